package io.cis.worker.source;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The messages received and not yet settled, bounded by a permit per message: pollers ask SQS only for as many
 * messages as there are free permits, which is how a full pipeline stops the receiving.
 */
public final class InFlightRegistry {

    // Keyed by identity: SQS may deliver the same message id twice, each with its own receipt handle.
    private final Set<InFlightMessage> messages = ConcurrentHashMap.newKeySet();
    private final Semaphore permits;
    private final int capacity;

    public InFlightRegistry(int capacity) {
        this.capacity = capacity;
        this.permits = new Semaphore(capacity);
    }

    /** Waits up to the timeout for at least one permit, then takes up to max; returns how many it took (maybe 0). */
    public int acquireUpTo(int max, long timeout, TimeUnit unit) throws InterruptedException {
        if (!permits.tryAcquire(timeout, unit)) {
            return 0;
        }
        int taken = 1;
        while (taken < max && permits.tryAcquire()) {
            taken++;
        }
        return taken;
    }

    public void release(int count) {
        if (count > 0) {
            permits.release(count);
        }
    }

    public void add(InFlightMessage message) {
        messages.add(message);
    }

    /** Forgets a settled message and frees its permit. */
    public void remove(InFlightMessage message) {
        if (messages.remove(message)) {
            permits.release();
        }
    }

    public Collection<InFlightMessage> inFlight() {
        return List.copyOf(messages);
    }

    public int size() {
        return messages.size();
    }

    public int capacity() {
        return capacity;
    }
}

package io.cis.worker.source;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides when the exit-when-idle mode (one-shot runs, tests) may exit: only after a whole window in which every
 * look found nothing inside the worker and nothing in the queue: not visible, not delayed, and not in flight at any
 * worker. The last matters most: a message whose processing failed transiently is invisible until its visibility
 * timeout ends and is then retried; an exit before that would abandon it.
 */
public final class IdleTracker {

    private final Clock clock;
    private volatile long busyAtMillis;

    public IdleTracker(Clock clock) {
        this.clock = clock;
        this.busyAtMillis = clock.millis();
    }

    /** A receive returned; messages reset the idle clock. */
    void received(int messages) {
        if (messages > 0) {
            busy();
        }
    }

    /** Something is (or may be) still to do: resets the idle clock. */
    void busy() {
        busyAtMillis = clock.millis();
    }

    /**
     * One look at the queue, taken while nothing was inside the worker; empty when the counts could not be read
     * (then nobody can tell whether work is waiting, so it counts as busy). Returns how long every look has
     * found nothing to do.
     */
    Duration idleFor(Optional<QueueCounts> queue) {
        if (queue.isEmpty() || !queue.get().empty()) {
            busy();
            return Duration.ZERO;
        }
        return Duration.ofMillis(Math.max(0, clock.millis() - busyAtMillis));
    }
}

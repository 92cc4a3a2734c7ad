package io.cis.worker.source;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Keeps slow messages invisible: once a set fraction of a message's visibility has passed it is extended by
 * another full timeout, until the message settles or has been in flight for the maximum total.
 */
public final class VisibilityHeartbeat implements Runnable {

    private final InFlightRegistry registry;
    private final SqsBatchOperations sqs;
    private final Clock clock;
    private final long timeoutMillis;
    private final long extendWhenRemainingMillis;
    private final long maxTotalMillis;

    public VisibilityHeartbeat(InFlightRegistry registry, SqsBatchOperations sqs, Clock clock,
                               int visibilityTimeoutSeconds, double fraction, Duration maxTotal) {
        this.registry = registry;
        this.sqs = sqs;
        this.clock = clock;
        this.timeoutMillis = visibilityTimeoutSeconds * 1000L;
        this.extendWhenRemainingMillis = (long) (timeoutMillis * (1.0 - fraction));
        this.maxTotalMillis = maxTotal.toMillis();
    }

    @Override
    public void run() {
        long now = clock.millis();
        List<InFlightMessage> due = dueForExtension(registry.inFlight(), now);
        if (!due.isEmpty()) {
            sqs.changeVisibility(due, (int) (timeoutMillis / 1000));
            due.forEach(m -> m.extendedUntil(now + timeoutMillis));
        }
    }

    List<InFlightMessage> dueForExtension(Collection<InFlightMessage> messages, long now) {
        return messages.stream()
                .filter(m -> !m.isDone())
                .filter(m -> m.visibleUntilMillis() - now <= extendWhenRemainingMillis)
                .filter(m -> now - m.receivedAtMillis() + timeoutMillis <= maxTotalMillis)
                .toList();
    }
}

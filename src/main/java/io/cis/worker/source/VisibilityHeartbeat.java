package io.cis.worker.source;

import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Keeps slow messages invisible: once a set fraction of a message's visibility has passed it is extended by
 * another full timeout, until the message settles or has been in flight for the maximum total.
 *
 * <p>Only the extensions SQS accepted count: a message whose extension failed (an entry SQS refused, a whole batch
 * that threw) keeps its old deadline, so it is still due and is tried again on the next tick. Assuming it extended
 * would let it turn visible while still being processed, to be received and processed again.
 */
public final class VisibilityHeartbeat implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(VisibilityHeartbeat.class);

    private final InFlightRegistry registry;
    private final SqsBatchOperations sqs;
    private final Clock clock;
    private final long timeoutMillis;
    private final long extendWhenRemainingMillis;
    private final long maxTotalMillis;
    private final Counter failures;

    public VisibilityHeartbeat(InFlightRegistry registry, SqsBatchOperations sqs, Clock clock,
                               int visibilityTimeoutSeconds, double fraction, Duration maxTotal, MeterRegistry metrics) {
        this.registry = registry;
        this.sqs = sqs;
        this.clock = clock;
        this.timeoutMillis = visibilityTimeoutSeconds * 1000L;
        this.extendWhenRemainingMillis = (long) (timeoutMillis * (1.0 - fraction));
        this.maxTotalMillis = maxTotal.toMillis();
        this.failures = metrics.counter(MetricNames.VISIBILITY_EXTENSION_FAILURES);
    }

    @Override
    public void run() {
        long now = clock.millis();
        List<InFlightMessage> due = dueForExtension(registry.inFlight(), now);
        if (due.isEmpty()) {
            return;
        }
        List<SqsBatchOperations.VisibilityFailure> failed = sqs.changeVisibility(due, (int) (timeoutMillis / 1000));
        Set<InFlightMessage> notExtended = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SqsBatchOperations.VisibilityFailure failure : failed) {
            notExtended.add(failure.message());
            failures.increment();
            log.warn("visibility extension failed, retrying on the next tick",
                    kv("message_id", failure.message().messageId()), kv("receive_count", failure.message().receiveCount()),
                    kv("visible_in_ms", failure.message().visibleUntilMillis() - now),
                    kv("reason", failure.reason().code()), kv("detail", failure.detail()));
        }
        due.stream().filter(m -> !notExtended.contains(m)).forEach(m -> m.extendedUntil(now + timeoutMillis));
    }

    List<InFlightMessage> dueForExtension(Collection<InFlightMessage> messages, long now) {
        return messages.stream()
                .filter(m -> !m.isDone())
                .filter(m -> m.visibleUntilMillis() - now <= extendWhenRemainingMillis)
                .filter(m -> now - m.receivedAtMillis() + timeoutMillis <= maxTotalMillis)
                .toList();
    }
}

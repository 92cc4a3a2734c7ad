package io.cis.worker.retry;

import io.cis.worker.ops.MetricNames;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Builds the resilience4j {@link Retry} for one operation from a {@link RetryPolicy} and the operation's own pure
 * decision of what is worth retrying. resilience4j runs the loop and sleeps; the schedule and the decisions are
 * ours, so they are tested without it. Every retry is counted ({@value MetricNames#RETRIES}, tagged by operation)
 * and logged at DEBUG; when the attempts run out, the item's outcome line says so.
 */
public final class Retries {

    private static final Logger log = LoggerFactory.getLogger(Retries.class);
    public static final DoubleSupplier RANDOM_JITTER = () -> ThreadLocalRandom.current().nextDouble();

    private Retries() {
    }

    /**
     * @param operation        name for metrics and logs, e.g. {@code s3_get}
     * @param retryOnException which exceptions are worth another attempt
     * @param retryOnResult    which results are worth another attempt (for calls that report failures as results)
     * @param jitter           random numbers in [0, 1) for the backoff
     */
    public static <T> Retry create(String operation, RetryPolicy policy, Predicate<Throwable> retryOnException,
                                   Predicate<T> retryOnResult, DoubleSupplier jitter, MeterRegistry metrics) {
        IntervalBiFunction<T> interval = (attempt, outcome) ->
                policy.delayBeforeRetry(attempt, jitter.getAsDouble()).toMillis();
        RetryConfig config = RetryConfig.<T>custom()
                .maxAttempts(policy.maxAttempts())
                .intervalBiFunction(interval)
                .retryOnException(retryOnException)
                .retryOnResult(retryOnResult)
                .failAfterMaxAttempts(false) // the last result is returned as is; callers classify it
                .build();
        Retry retry = Retry.of(operation, config);
        Counter retries = metrics.counter(MetricNames.RETRIES, MetricNames.TAG_OPERATION, operation);
        retry.getEventPublisher()
                .onRetry(event -> {
                    retries.increment();
                    if (log.isDebugEnabled()) {
                        log.debug("retrying", kv("operation", operation), kv("attempt", event.getNumberOfRetryAttempts()),
                                kv("wait_ms", event.getWaitInterval().toMillis()),
                                kv("detail", String.valueOf(event.getLastThrowable())));
                    }
                });
        return retry;
    }

    /** For calls that only fail by throwing. */
    public static Retry onExceptions(String operation, RetryPolicy policy, Predicate<Throwable> retryOnException,
                                     DoubleSupplier jitter, MeterRegistry metrics) {
        return create(operation, policy, retryOnException, result -> false, jitter, metrics);
    }
}

package io.cis.worker.cache;

import io.cis.worker.retry.Retries;
import io.cis.worker.retry.RetryPolicy;

import java.time.Duration;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

/**
 * Re-sends what a DynamoDB batch call left unprocessed ({@code UnprocessedKeys} of BatchGetItem,
 * {@code UnprocessedItems} of BatchWriteItem) with backoff, until nothing is left or the attempts run out.
 *
 * <p>The SDK's own retries cover failed calls (throttling errors, 5xx); a batch call that succeeds but processes only
 * part of its request is ours to retry.
 */
public final class UnprocessedRetrier {

    /** 6 attempts, 50 ms doubling up to 2 s: at most about 1.6 s of waiting per batch call. */
    public static final RetryPolicy DEFAULT_POLICY = new RetryPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(2));

    private final RetryPolicy policy;
    private final DoubleSupplier jitter;
    private final Sleeper sleeper;

    public UnprocessedRetrier(RetryPolicy policy, DoubleSupplier jitter, Sleeper sleeper) {
        this.policy = policy;
        this.jitter = jitter;
        this.sleeper = sleeper;
    }

    public static UnprocessedRetrier withDefaults() {
        return new UnprocessedRetrier(DEFAULT_POLICY, Retries.RANDOM_JITTER, Sleeper.THREAD_SLEEP);
    }

    public int maxAttempts() {
        return policy.maxAttempts();
    }

    /**
     * Calls {@code call} with {@code request}, then with whatever it reports unprocessed, backing off between calls.
     *
     * @param request the batch request items (table name to keys or write requests)
     * @param call    sends one batch call and returns its unprocessed part (empty when everything was processed)
     * @return what is still unprocessed after the last allowed attempt; empty when everything was processed
     * @throws EmbeddingCacheException if the thread is interrupted while waiting (the interrupt flag is kept)
     */
    public <M extends Map<String, ?>> M retryWhileUnprocessed(M request, UnaryOperator<M> call) {
        M pending = call.apply(request);
        int attempts = 1;
        while (!pending.isEmpty() && policy.allowsRetryAfter(attempts)) {
            Duration delay = policy.delayBeforeRetry(attempts, jitter.getAsDouble());
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddingCacheException("Interrupted while backing off a DynamoDB batch retry", e);
            }
            pending = call.apply(pending);
            attempts++;
        }
        return pending;
    }
}

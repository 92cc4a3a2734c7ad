package io.cis.worker.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Leaves DynamoDB alone for a while after it could not be reached, so an outage costs one failed call (with the
 * SDK's bounded retries and timeouts) per pause instead of one per batch, and the pipeline runs at full speed
 * without the cache meanwhile.
 *
 * <p>Sits between {@link ResilientEmbeddingCache} (which counts every failure and warns once per interval) and
 * {@link DynamoDbEmbeddingCache}. While paused, calls fail at once with an {@link EmbeddingCacheException} that says
 * so; the first call after the pause tries DynamoDB again. Only "no answer" and 5xx failures pause: throttling,
 * which DynamoDB answers, is the SDK's and {@link UnprocessedRetrier}'s to handle.
 */
public final class PausingEmbeddingCache implements EmbeddingCache {

    public static final Duration DEFAULT_PAUSE = Duration.ofSeconds(30);

    private final EmbeddingCache delegate;
    private final Clock clock;
    private final Duration pause;
    private volatile long pausedUntilMillis;
    private volatile String pauseReason = "";

    public PausingEmbeddingCache(EmbeddingCache delegate, Clock clock, Duration pause) {
        if (pause.isNegative()) {
            throw new IllegalArgumentException("pause must not be negative, was " + pause);
        }
        this.delegate = delegate;
        this.clock = clock;
        this.pause = pause;
    }

    @Override
    public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
        checkNotPaused("lookup");
        try {
            return delegate.lookup(imageHashes);
        } catch (RuntimeException e) {
            pauseIfUnreachable(e);
            throw e;
        }
    }

    @Override
    public void store(Map<String, CachedEmbedding> embeddings) {
        checkNotPaused("store");
        try {
            delegate.store(embeddings);
        } catch (RuntimeException e) {
            pauseIfUnreachable(e);
            throw e;
        }
    }

    public boolean isPaused() {
        return clock.millis() < pausedUntilMillis;
    }

    private void checkNotPaused(String operation) {
        if (isPaused()) {
            throw new EmbeddingCacheException("cache " + operation + " skipped: DynamoDB paused for " + pause.toSeconds()
                    + " s after it could not be reached (" + pauseReason + ")", null);
        }
    }

    private void pauseIfUnreachable(RuntimeException failure) {
        if (isUnreachable(failure)) {
            pauseReason = failure.getCause() == null ? failure.getMessage() : failure.getCause().toString();
            pausedUntilMillis = clock.millis() + pause.toMillis();
        }
    }

    /** No answer (refused, timed out) or a 5xx, anywhere in the cause chain. Pure, for tests. */
    static boolean isUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SdkClientException) {
                return true;
            }
            if (t instanceof SdkServiceException service && service.statusCode() >= 500) {
                return true;
            }
        }
        return false;
    }
}

package io.cis.worker.cache;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes cache errors harmless: the cache only saves work, so an unavailable cache must never fail an item.
 *
 * <p>Every exception from the delegate is caught and counted. A failed lookup answers with the hits it found before
 * failing ({@link EmbeddingCacheException#hitsBeforeFailure()}), usually none, so the rest are misses and get
 * embedded. A failed store is dropped. Failures are logged at WARN at most once per interval, with the number of
 * failures since the previous warning, so an outage does not flood the log.
 */
public final class ResilientEmbeddingCache implements EmbeddingCache {

    public static final Duration DEFAULT_WARN_INTERVAL = Duration.ofSeconds(60);

    /** Where the rate-limited warnings go; injectable so tests can count them. */
    @FunctionalInterface
    public interface WarningSink {
        void warn(String message, Throwable latestError);
    }

    private static final Logger LOG = LoggerFactory.getLogger(ResilientEmbeddingCache.class);
    private static final WarningSink SLF4J_WARN = LOG::warn;

    private final EmbeddingCache delegate;
    private final Clock clock;
    private final Duration warnInterval;
    private final WarningSink warnings;

    private final AtomicLong lookups = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();

    // Guarded by this: which failures the next warning reports.
    private long errorsSinceWarning;
    private Instant lastWarning;

    public ResilientEmbeddingCache(EmbeddingCache delegate, Clock clock, Duration warnInterval, WarningSink warnings) {
        if (warnInterval.isNegative()) {
            throw new IllegalArgumentException("warnInterval must not be negative, was " + warnInterval);
        }
        this.delegate = delegate;
        this.clock = clock;
        this.warnInterval = warnInterval;
        this.warnings = warnings;
    }

    /** Warnings go to this class's SLF4J logger. */
    public ResilientEmbeddingCache(EmbeddingCache delegate, Clock clock, Duration warnInterval) {
        this(delegate, clock, warnInterval, SLF4J_WARN);
    }

    @Override
    public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
        int asked = new HashSet<>(imageHashes).size();
        Map<String, CachedEmbedding> found;
        try {
            found = delegate.lookup(imageHashes);
        } catch (RuntimeException e) {
            recordError("lookup", e);
            found = e instanceof EmbeddingCacheException cacheError ? cacheError.hitsBeforeFailure() : Map.of();
        }
        lookups.addAndGet(asked);
        hits.addAndGet(found.size());
        misses.addAndGet(asked - found.size());
        return found;
    }

    @Override
    public void store(Map<String, CachedEmbedding> embeddings) {
        try {
            delegate.store(embeddings);
        } catch (RuntimeException e) {
            recordError("store", e);
        }
    }

    public CacheStats stats() {
        return new CacheStats(lookups.get(), hits.get(), misses.get(), errors.get());
    }

    private void recordError(String operation, RuntimeException error) {
        errors.incrementAndGet();
        String message;
        synchronized (this) {
            errorsSinceWarning++;
            Instant now = clock.instant();
            if (lastWarning != null && now.isBefore(lastWarning.plus(warnInterval))) {
                return;
            }
            message = "Embedding cache failing, items go on without it: " + errorsSinceWarning
                    + " error(s) since the last warning; latest during " + operation + ": " + error;
            errorsSinceWarning = 0;
            lastWarning = now;
        }
        // Outside the lock: a slow appender must not hold up other threads' error counting.
        warnings.warn(message, error);
    }
}

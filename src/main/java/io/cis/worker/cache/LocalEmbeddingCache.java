package io.cis.worker.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A small in-process cache in front of another cache, for bursts of the same picture: a lookup answers what it holds
 * and asks the delegate only for the rest. Stored embeddings and the delegate's hits are kept, up to
 * {@code maxEntries} (a Caffeine cache, whose eviction keeps the entries most likely to be asked for again);
 * {@code maxEntries == 0} turns it into a pass-through.
 *
 * <p>Its look-ups (hit: answered from memory; miss: passed on to the delegate), evictions and size are Micrometer's
 * cache meters tagged {@code cache=}{@value MetricNames#LOCAL_EMBEDDING_CACHE}.
 *
 * <p>Put it outside {@link ResilientEmbeddingCache} ({@code new LocalEmbeddingCache(new ResilientEmbeddingCache(dynamo),
 * n, metrics)}) so that a DynamoDB failure cannot throw away hits that were already in memory.
 *
 * <p>Arrays are copied in and out, so a caller that changes an array cannot change the cached embedding. An entry
 * keeps the time its embedding was computed, as the delegate's entry does, so a hit from memory gives the same
 * {@link CachedEmbedding#createdAt()} as one from the delegate. A vector with a NaN or infinite component is neither
 * kept nor given out.
 */
public final class LocalEmbeddingCache implements EmbeddingCache {

    private final EmbeddingCache delegate;
    private final int maxEntries;
    private final Cache<String, CachedEmbedding> entries;

    public LocalEmbeddingCache(EmbeddingCache delegate, int maxEntries, MeterRegistry metrics) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must be >= 0, was " + maxEntries);
        }
        this.delegate = delegate;
        this.maxEntries = maxEntries;
        // Evictions run on the calling thread, not handed to ForkJoinPool.commonPool (a single thread on a 2-core
        // host, shared with anything else that uses it): a store evicts at most a batch's worth of entries.
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .executor(Runnable::run)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(metrics, entries, MetricNames.LOCAL_EMBEDDING_CACHE);
    }

    @Override
    public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
        if (maxEntries == 0) {
            return delegate.lookup(imageHashes);
        }
        Map<String, CachedEmbedding> found = new HashMap<>();
        entries.getAllPresent(imageHashes).forEach((hash, embedding) -> found.put(hash, embedding.copy()));
        List<String> absent = new LinkedHashSet<>(imageHashes).stream().filter(hash -> !found.containsKey(hash)).toList();
        if (!absent.isEmpty()) {
            Map<String, CachedEmbedding> delegateHits = finiteOnly(delegate.lookup(absent));
            remember(delegateHits);
            found.putAll(delegateHits);
        }
        return found;
    }

    @Override
    public void store(Map<String, CachedEmbedding> embeddings) {
        remember(embeddings);
        delegate.store(embeddings); // all of them: the delegate refuses and reports what it cannot keep
    }

    /** Lookups answered from memory, without asking the delegate. */
    public long memoryHits() {
        return entries.stats().hitCount();
    }

    /** Entries held, once pending evictions are done. */
    public int size() {
        entries.cleanUp();
        return (int) entries.estimatedSize();
    }

    private void remember(Map<String, CachedEmbedding> embeddings) {
        if (maxEntries == 0) {
            return;
        }
        Map<String, CachedEmbedding> copies = new HashMap<>();
        finiteOnly(embeddings).forEach((hash, embedding) -> copies.put(hash, embedding.copy()));
        entries.putAll(copies);
    }

    /**
     * Leaves out vectors with a NaN or infinite component: the pipeline fails those before any store, but one kept
     * here would be the answer for every later copy of the picture until it is evicted, and each would fail.
     */
    private static Map<String, CachedEmbedding> finiteOnly(Map<String, CachedEmbedding> embeddings) {
        Map<String, CachedEmbedding> finite = new HashMap<>();
        embeddings.forEach((hash, embedding) -> {
            if (embedding.firstNonFiniteComponent() < 0) {
                finite.put(hash, embedding);
            }
        });
        return finite;
    }
}

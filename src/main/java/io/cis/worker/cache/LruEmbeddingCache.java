package io.cis.worker.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small in-process LRU in front of another cache, for bursts of the same picture: a lookup answers what it holds
 * and asks the delegate only for the rest. Stored embeddings and the delegate's hits are kept, up to
 * {@code maxEntries} (least recently used evicted first); {@code maxEntries == 0} turns it into a pass-through.
 *
 * <p>Put it outside {@link ResilientEmbeddingCache} ({@code new LruEmbeddingCache(new ResilientEmbeddingCache(dynamo),
 * n)}) so that a DynamoDB failure cannot throw away hits that were already in memory.
 *
 * <p>Arrays are copied in and out, so a caller that changes an array cannot change the cached embedding.
 */
public final class LruEmbeddingCache implements EmbeddingCache {

    private final EmbeddingCache delegate;
    private final int maxEntries;
    private final AtomicLong memoryHits = new AtomicLong();

    // Guarded by itself. Access order makes iteration order least recently used first.
    private final LinkedHashMap<String, float[]> entries;

    public LruEmbeddingCache(EmbeddingCache delegate, int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must be >= 0, was " + maxEntries);
        }
        this.delegate = delegate;
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > LruEmbeddingCache.this.maxEntries;
            }
        };
    }

    @Override
    public Map<String, float[]> lookup(Collection<String> imageHashes) {
        if (maxEntries == 0) {
            return delegate.lookup(imageHashes);
        }
        Map<String, float[]> found = new HashMap<>();
        List<String> absent = new ArrayList<>();
        synchronized (entries) {
            for (String hash : new LinkedHashSet<>(imageHashes)) {
                float[] embedding = entries.get(hash);
                if (embedding != null) {
                    found.put(hash, embedding.clone());
                } else {
                    absent.add(hash);
                }
            }
        }
        memoryHits.addAndGet(found.size());
        if (!absent.isEmpty()) {
            Map<String, float[]> delegateHits = delegate.lookup(absent);
            remember(delegateHits);
            found.putAll(delegateHits);
        }
        return found;
    }

    @Override
    public void store(Map<String, float[]> embeddings) {
        remember(embeddings);
        delegate.store(embeddings);
    }

    /** Lookups answered from memory, without asking the delegate. */
    public long memoryHits() {
        return memoryHits.get();
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    private void remember(Map<String, float[]> embeddings) {
        if (maxEntries == 0) {
            return;
        }
        synchronized (entries) {
            embeddings.forEach((hash, embedding) -> entries.put(hash, embedding.clone()));
        }
    }
}

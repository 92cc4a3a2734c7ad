package io.cis.worker.cache;

import static io.cis.worker.cache.TestEmbeddings.hash;
import static io.cis.worker.cache.TestEmbeddings.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LruEmbeddingCacheTest {

    /** Remembers what it was asked and stores what it is given. */
    private static final class RecordingCache implements EmbeddingCache {
        final Map<String, float[]> contents = new HashMap<>();
        final List<List<String>> lookups = new ArrayList<>();

        @Override
        public synchronized Map<String, float[]> lookup(Collection<String> imageHashes) {
            lookups.add(List.copyOf(imageHashes));
            Map<String, float[]> hits = new HashMap<>();
            imageHashes.stream().filter(contents::containsKey).forEach(h -> hits.put(h, contents.get(h).clone()));
            return hits;
        }

        @Override
        public synchronized void store(Map<String, float[]> embeddings) {
            embeddings.forEach((h, e) -> contents.put(h, e.clone()));
        }
    }

    private final RecordingCache delegate = new RecordingCache();

    @Test
    void answersFromMemoryAndAsksTheDelegateOnlyForTheRest() {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 10);
        cache.store(Map.of(hash(1), vector(1, 4)));
        delegate.contents.put(hash(2), vector(2, 4));

        Map<String, float[]> hits = cache.lookup(List.of(hash(1), hash(2), hash(3)));

        assertEquals(Set.of(hash(1), hash(2)), hits.keySet());
        assertArrayEquals(vector(2, 4), hits.get(hash(2)));
        assertEquals(List.of(List.of(hash(2), hash(3))), delegate.lookups);
        assertEquals(1, cache.memoryHits());
    }

    @Test
    void keepsTheDelegatesHitsForNextTime() {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 10);
        delegate.contents.put(hash(2), vector(2, 4));

        cache.lookup(List.of(hash(2)));
        cache.lookup(List.of(hash(2)));

        assertEquals(1, delegate.lookups.size());
        assertEquals(1, cache.memoryHits());
    }

    @Test
    void allInMemoryMeansNoDelegateCall() {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 10);
        cache.store(Map.of(hash(1), vector(1, 4), hash(2), vector(2, 4)));

        assertEquals(2, cache.lookup(List.of(hash(1), hash(2), hash(1))).size());
        assertTrue(delegate.lookups.isEmpty());
    }

    @Test
    void evictsTheLeastRecentlyUsedBeyondMaxEntries() {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 3);
        cache.store(Map.of(hash(1), vector(1, 4)));
        cache.store(Map.of(hash(2), vector(2, 4)));
        cache.store(Map.of(hash(3), vector(3, 4)));
        cache.lookup(List.of(hash(1))); // 1 is now the most recently used; 2 the least
        cache.store(Map.of(hash(4), vector(4, 4)));

        assertEquals(3, cache.size());
        delegate.contents.clear();
        assertEquals(Set.of(hash(1), hash(3), hash(4)),
                cache.lookup(List.of(hash(1), hash(2), hash(3), hash(4))).keySet());
        assertEquals(List.of(hash(2)), delegate.lookups.get(delegate.lookups.size() - 1));
    }

    @Test
    void maxEntriesZeroPassesEverythingThrough() {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 0);
        cache.store(Map.of(hash(1), vector(1, 4)));
        cache.lookup(List.of(hash(1)));
        cache.lookup(List.of(hash(1)));

        assertEquals(0, cache.size());
        assertEquals(2, delegate.lookups.size());
        assertEquals(0, cache.memoryHits());
    }

    @Test
    void callersCannotChangeWhatIsCached() {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 10);
        float[] stored = vector(1, 4);
        cache.store(Map.of(hash(1), stored));
        stored[0] = 42f;
        cache.lookup(List.of(hash(1))).get(hash(1))[1] = 42f;

        assertArrayEquals(vector(1, 4), cache.lookup(List.of(hash(1))).get(hash(1)));
    }

    @Test
    void staysWithinItsBoundUnderConcurrentUse() throws Exception {
        LruEmbeddingCache cache = new LruEmbeddingCache(delegate, 50);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 1000;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        cache.store(Map.of(hash(offset + i), vector(offset + i, 4)));
                        cache.lookup(List.of(hash(offset + i), hash(offset + i / 2)));
                    }
                }));
            }
            for (Future<?> future : work) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(50, cache.size());
    }

    @Test
    void rejectsANegativeBound() {
        assertThrows(IllegalArgumentException.class, () -> new LruEmbeddingCache(delegate, -1));
    }
}

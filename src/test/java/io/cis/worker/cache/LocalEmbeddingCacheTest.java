package io.cis.worker.cache;

import static io.cis.worker.cache.TestEmbeddings.entry;
import static io.cis.worker.cache.TestEmbeddings.hash;
import static io.cis.worker.cache.TestEmbeddings.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
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

class LocalEmbeddingCacheTest {

    /** Remembers what it was asked and stores what it is given. */
    private static final class RecordingCache implements EmbeddingCache {
        final Map<String, CachedEmbedding> contents = new HashMap<>();
        final List<List<String>> lookups = new ArrayList<>();

        @Override
        public synchronized Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
            lookups.add(List.copyOf(imageHashes));
            Map<String, CachedEmbedding> hits = new HashMap<>();
            imageHashes.stream().filter(contents::containsKey).forEach(h -> hits.put(h, contents.get(h).copy()));
            return hits;
        }

        @Override
        public synchronized void store(Map<String, CachedEmbedding> embeddings) {
            embeddings.forEach((h, e) -> contents.put(h, e.copy()));
        }
    }

    private final RecordingCache delegate = new RecordingCache();
    private final MeterRegistry metrics = new SimpleMeterRegistry();

    @Test
    void answersFromMemoryAndAsksTheDelegateOnlyForTheRest() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        cache.store(Map.of(hash(1), entry(1, 4)));
        delegate.contents.put(hash(2), entry(2, 4));

        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(1), hash(2), hash(3)));

        assertEquals(Set.of(hash(1), hash(2)), hits.keySet());
        assertArrayEquals(vector(2, 4), hits.get(hash(2)).vector());
        assertEquals(List.of(List.of(hash(2), hash(3))), delegate.lookups);
        assertEquals(1, cache.memoryHits());
    }

    @Test
    void keepsTheDelegatesHitsForNextTime() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        delegate.contents.put(hash(2), entry(2, 4));

        cache.lookup(List.of(hash(2)));
        cache.lookup(List.of(hash(2)));

        assertEquals(1, delegate.lookups.size());
        assertEquals(1, cache.memoryHits());
    }

    @Test
    void allInMemoryMeansNoDelegateCall() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        cache.store(Map.of(hash(1), entry(1, 4), hash(2), entry(2, 4)));

        assertEquals(2, cache.lookup(List.of(hash(1), hash(2), hash(1))).size());
        assertTrue(delegate.lookups.isEmpty());
    }

    @Test
    void keepsNoMoreThanMaxEntriesAndAnswersThoseItKeepsFromMemory() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 3, metrics);
        List<String> hashes = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            cache.store(Map.of(hash(i), entry(i, 4)));
            hashes.add(hash(i));
        }

        assertEquals(3, cache.size());
        delegate.contents.clear();
        Map<String, CachedEmbedding> hits = cache.lookup(hashes);
        assertEquals(3, hits.size());
        hits.forEach((hash, embedding) -> assertArrayEquals(vector(hashes.indexOf(hash) + 1, 4), embedding.vector()));
        List<String> askedTheDelegate = delegate.lookups.get(delegate.lookups.size() - 1);
        assertEquals(7, askedTheDelegate.size());
        assertTrue(askedTheDelegate.stream().noneMatch(hits::containsKey), "a hit in memory must not reach the delegate");
        assertEquals(3, cache.memoryHits());
    }

    @Test
    void maxEntriesZeroPassesEverythingThrough() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 0, metrics);
        cache.store(Map.of(hash(1), entry(1, 4)));
        cache.lookup(List.of(hash(1)));
        cache.lookup(List.of(hash(1)));

        assertEquals(0, cache.size());
        assertEquals(2, delegate.lookups.size());
        assertEquals(0, cache.memoryHits());
    }

    @Test
    void callersCannotChangeWhatIsCached() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        float[] stored = vector(1, 4);
        cache.store(Map.of(hash(1), new CachedEmbedding(stored, TestEmbeddings.CREATED_AT)));
        stored[0] = 42f;
        cache.lookup(List.of(hash(1))).get(hash(1)).vector()[1] = 42f;

        assertArrayEquals(vector(1, 4), cache.lookup(List.of(hash(1))).get(hash(1)).vector());
    }

    @Test
    void aHitFromMemoryHasTheTimeOfTheEntryItCameFrom() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        Instant stored = Instant.parse("2024-06-01T12:00:00Z");
        Instant inDelegate = Instant.parse("2024-05-01T08:30:00Z");
        cache.store(Map.of(hash(1), new CachedEmbedding(vector(1, 4), stored)));
        delegate.contents.put(hash(2), new CachedEmbedding(vector(2, 4), inDelegate));
        cache.lookup(List.of(hash(2))); // now remembered

        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(1), hash(2)));

        assertEquals(2, cache.memoryHits());
        assertEquals(stored, hits.get(hash(1)).createdAt());
        assertEquals(inDelegate, hits.get(hash(2)).createdAt());
        assertEquals(stored, delegate.contents.get(hash(1)).createdAt(), "a store passes the time on");
    }

    @Test
    void aNonFiniteVectorIsNeverRememberedWhileTheOthersOfItsStoreAre() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        cache.store(Map.of(hash(1), entry(1, 4), hash(2), withComponent(2, Float.NaN),
                hash(3), withComponent(3, Float.POSITIVE_INFINITY)));
        assertEquals(Set.of(hash(1), hash(2), hash(3)), delegate.contents.keySet(),
                "all of them reach the delegate, which refuses and reports what it cannot keep");
        delegate.contents.clear();

        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(1), hash(2), hash(3)));

        assertEquals(Set.of(hash(1)), hits.keySet());
        assertEquals(1, cache.size());
        assertEquals(List.of(List.of(hash(2), hash(3))), delegate.lookups, "the bad ones are misses in memory");
    }

    @Test
    void aNonFiniteHitFromTheDelegateIsAMissAndIsNotRemembered() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 10, metrics);
        delegate.contents.put(hash(1), entry(1, 4));
        delegate.contents.put(hash(2), withComponent(2, Float.NEGATIVE_INFINITY));

        assertEquals(Set.of(hash(1)), cache.lookup(List.of(hash(1), hash(2))).keySet());
        assertEquals(1, cache.size());
    }

    /** Image i's entry with one component replaced. */
    private static CachedEmbedding withComponent(int i, float value) {
        float[] vector = vector(i, 4);
        vector[2] = value;
        return new CachedEmbedding(vector, TestEmbeddings.CREATED_AT);
    }

    @Test
    void staysWithinItsBoundUnderConcurrentUse() throws Exception {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 50, metrics);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 1000;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        cache.store(Map.of(hash(offset + i), entry(offset + i, 4)));
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
    void countsHitsMissesEvictionsAndSizeAsCacheMeters() {
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 2, metrics);
        cache.store(Map.of(hash(1), entry(1, 4)));
        cache.store(Map.of(hash(2), entry(2, 4)));
        cache.store(Map.of(hash(3), entry(3, 4))); // one of the three evicted

        // Two of 1-3 in memory; the evicted one and 4 passed on, and the delegate's hit (the evicted one) evicts again.
        cache.lookup(List.of(hash(1), hash(2), hash(3), hash(4), hash(4)));

        assertEquals(2.0, cacheMeter(MetricNames.CACHE_GETS, "result", "hit").functionCounter().count());
        assertEquals(2.0, cacheMeter(MetricNames.CACHE_GETS, "result", "miss").functionCounter().count());
        assertEquals(2.0, cacheMeter(MetricNames.CACHE_EVICTIONS).functionCounter().count());
        assertEquals(2.0, cacheMeter(MetricNames.CACHE_SIZE).gauge().value());
    }

    @Test
    void cacheMetersReachPrometheusUnderTheirScrapedNames() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LocalEmbeddingCache cache = new LocalEmbeddingCache(delegate, 1, prometheus);
        cache.store(Map.of(hash(1), entry(1, 4)));
        cache.store(Map.of(hash(2), entry(2, 4)));
        cache.lookup(List.of(hash(1), hash(2)));

        String scrape = prometheus.scrape();
        for (String sample : List.of("cache_gets_total{cache=\"local_embeddings\",result=\"hit\"} 1.0",
                "cache_gets_total{cache=\"local_embeddings\",result=\"miss\"} 1.0",
                "cache_evictions_total{cache=\"local_embeddings\"} 2.0",
                "cache_size{cache=\"local_embeddings\"} 1.0")) {
            assertTrue(scrape.contains(sample), sample + " in\n" + scrape);
        }
    }

    private Search cacheMeter(String name, String... tags) {
        return metrics.find(name).tag("cache", MetricNames.LOCAL_EMBEDDING_CACHE).tags(tags);
    }

    @Test
    void rejectsANegativeBound() {
        assertThrows(IllegalArgumentException.class, () -> new LocalEmbeddingCache(delegate, -1, metrics));
    }
}

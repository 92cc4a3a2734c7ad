package io.cis.worker.cache;

import static io.cis.worker.cache.TestEmbeddings.entry;
import static io.cis.worker.cache.TestEmbeddings.hash;
import static io.cis.worker.cache.TestEmbeddings.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResilientEmbeddingCacheTest {

    private record Warning(String message, Throwable error) {
    }

    /** A delegate that fails while {@code failing} is set and otherwise answers from a fixed map. */
    private static final class SwitchableCache implements EmbeddingCache {
        boolean failing;
        RuntimeException failure = new IllegalStateException("DynamoDB unreachable");
        final Map<String, CachedEmbedding> contents;
        int stores;

        SwitchableCache(Map<String, CachedEmbedding> contents) {
            this.contents = contents;
        }

        @Override
        public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
            if (failing) {
                throw failure;
            }
            Map<String, CachedEmbedding> hits = new HashMap<>();
            imageHashes.stream().filter(contents::containsKey).forEach(h -> hits.put(h, contents.get(h)));
            return hits;
        }

        @Override
        public void store(Map<String, CachedEmbedding> embeddings) {
            if (failing) {
                throw failure;
            }
            stores++;
        }
    }

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final List<Warning> warnings = new ArrayList<>();
    private final SwitchableCache delegate = new SwitchableCache(Map.of(hash(1), entry(1, 4)));
    private final ResilientEmbeddingCache cache = new ResilientEmbeddingCache(delegate, clock,
            Duration.ofSeconds(60), (message, error) -> warnings.add(new Warning(message, error)));

    @Test
    void passesResultsThroughAndCountsHitsAndMisses() {
        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(1), hash(2), hash(2)));
        cache.store(Map.of(hash(3), entry(3, 4)));

        assertArrayEquals(vector(1, 4), hits.get(hash(1)).vector());
        assertEquals(1, hits.size());
        assertEquals(1, delegate.stores);
        assertEquals(new CacheStats(2, 1, 1, 0), cache.stats());
        assertTrue(warnings.isEmpty());
    }

    @Test
    void aFailedLookupIsAllMissesAndAFailedStoreIsDropped() {
        delegate.failing = true;

        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(1), hash(2)));
        cache.store(Map.of(hash(3), entry(3, 4)));

        assertTrue(hits.isEmpty());
        assertEquals(new CacheStats(2, 0, 2, 2), cache.stats());
    }

    @Test
    void aLookupThatFailedPartWayStillAnswersWithTheHitsItFound() {
        delegate.failing = true;
        delegate.failure = new EmbeddingCacheException("second chunk failed", null,
                Map.of(hash(1), entry(1, 4)));

        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(1), hash(2), hash(3)));

        assertEquals(List.of(hash(1)), List.copyOf(hits.keySet()));
        assertEquals(new CacheStats(3, 1, 2, 1), cache.stats());
    }

    @Test
    void warnsAtMostOncePerIntervalWithTheCountSinceTheLastWarning() {
        delegate.failing = true;

        cache.lookup(List.of(hash(1)));
        assertEquals(1, warnings.size(), "the first error is reported at once");
        assertTrue(warnings.get(0).message().contains(" 1 error(s) since the last warning"),
                warnings.get(0).message());
        assertSame(delegate.failure, warnings.get(0).error());

        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(10));
            cache.store(Map.of(hash(2), entry(2, 4)));
        }
        clock.advance(Duration.ofSeconds(19));
        cache.lookup(List.of(hash(1)));
        assertEquals(1, warnings.size(), "59 s after the first warning: still quiet");

        clock.advance(Duration.ofSeconds(1));
        cache.store(Map.of(hash(2), entry(2, 4)));
        assertEquals(2, warnings.size(), "60 s after the first warning");
        assertTrue(warnings.get(1).message().contains(" 6 error(s) since the last warning"),
                warnings.get(1).message());
        assertTrue(warnings.get(1).message().contains("during store"), warnings.get(1).message());

        clock.advance(Duration.ofSeconds(30));
        cache.lookup(List.of(hash(1)));
        assertEquals(2, warnings.size());
        assertEquals(8, cache.stats().errors());
    }

    @Test
    void recoveryNeedsNoReset() {
        delegate.failing = true;
        cache.lookup(List.of(hash(1)));
        delegate.failing = false;

        assertEquals(1, cache.lookup(List.of(hash(1))).size());
        assertEquals(new CacheStats(2, 1, 1, 1), cache.stats());
    }
}

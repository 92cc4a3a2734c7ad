package io.cis.worker.cache;

import static io.cis.worker.cache.TestEmbeddings.embeddings;
import static io.cis.worker.cache.TestEmbeddings.entry;
import static io.cis.worker.cache.TestEmbeddings.hash;
import static io.cis.worker.cache.TestEmbeddings.hashes;
import static io.cis.worker.cache.TestEmbeddings.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

class DynamoDbEmbeddingCacheTest {

    private static final String TABLE = "cache-table";
    private static final String MODEL = "openai/clip-vit-base-patch32";
    private static final int DIMENSION = 8;

    private final FakeDynamoDb dynamo = new FakeDynamoDb(TABLE);
    private final List<Duration> waits = new ArrayList<>();
    private final UnprocessedRetrier retrier = new UnprocessedRetrier(
            new io.cis.worker.retry.RetryPolicy(4, Duration.ofMillis(50), Duration.ofSeconds(1)), () -> 0.5, waits::add);

    private DynamoDbEmbeddingCache cache(boolean overwriteOtherModel) {
        return new DynamoDbEmbeddingCache(dynamo, TABLE, MODEL, DIMENSION, 30, overwriteOtherModel, retrier);
    }

    @Test
    void storedEmbeddingsComeBackAsHitsAndUnknownHashesAsMisses() {
        DynamoDbEmbeddingCache cache = cache(false);
        cache.store(embeddings(0, 3, DIMENSION));

        Map<String, CachedEmbedding> hits = cache.lookup(List.of(hash(0), hash(2), hash(99)));

        assertEquals(Set.of(hash(0), hash(2)), hits.keySet());
        assertArrayEquals(vector(0, DIMENSION), hits.get(hash(0)).vector());
        assertArrayEquals(vector(2, DIMENSION), hits.get(hash(2)).vector());
    }

    @Test
    void storeWritesEachEntrysCreatedAtAndTtl() {
        cache(true).store(embeddings(0, 1, DIMENSION));
        Map<String, AttributeValue> item = dynamo.items.get(hash(0));
        assertEquals("1700000000", item.get("created_at").n());
        assertEquals(Long.toString(1_700_000_000L + 30 * 86_400L), item.get("ttl").n());
    }

    @Test
    void aHitGivesBackTheTimeItsEmbeddingWasComputedToTheSecond() {
        Instant computed = Instant.parse("2024-06-01T12:00:00.750Z");
        cache(false).store(Map.of(hash(1), new CachedEmbedding(vector(1, DIMENSION), computed)));

        CachedEmbedding hit = cache(false).lookup(List.of(hash(1))).get(hash(1));

        assertEquals(Instant.parse("2024-06-01T12:00:00Z"), hit.createdAt());
        assertEquals(Long.toString(computed.getEpochSecond()), dynamo.items.get(hash(1)).get("created_at").n());
    }

    @Test
    void lookupAsksAtMostOneHundredKeysPerCallAndEachKeyOnce() {
        DynamoDbEmbeddingCache cache = cache(true);
        cache.store(embeddings(0, 250, DIMENSION));
        List<String> asked = new ArrayList<>(hashes(0, 250));
        asked.addAll(hashes(0, 10));

        Map<String, CachedEmbedding> hits = cache.lookup(asked);

        assertEquals(250, hits.size());
        assertEquals(List.of(100, 100, 50), dynamo.getCallSizes);
    }

    @Test
    void storeWritesAtMostTwentyFiveItemsPerCall() {
        cache(true).store(embeddings(0, 60, DIMENSION));
        assertEquals(List.of(25, 25, 10), dynamo.writeCallSizes);
        assertEquals(60, dynamo.items.size());
        assertTrue(dynamo.getCallSizes.isEmpty(), "overwriting allowed: no need to read owners first");
    }

    @Test
    void unprocessedKeysAreResentWithBackoffUntilAllAreAnswered() {
        DynamoDbEmbeddingCache cache = cache(true);
        cache.store(embeddings(0, 100, DIMENSION));
        dynamo.processedPerCall = 40;

        Map<String, CachedEmbedding> hits = cache.lookup(hashes(0, 100));

        assertEquals(100, hits.size());
        assertEquals(List.of(100, 60, 20), dynamo.getCallSizes);
        assertEquals(List.of(Duration.ofMillis(37), Duration.ofMillis(75)), waits);
    }

    @Test
    void keysStillUnprocessedAfterTheLastAttemptFailTheLookupButKeepItsHits() {
        DynamoDbEmbeddingCache cache = cache(true);
        cache.store(embeddings(0, 150, DIMENSION));
        dynamo.alwaysUnprocessed.add(hash(120));

        EmbeddingCacheException error = assertThrows(EmbeddingCacheException.class,
                () -> cache.lookup(hashes(0, 150)));

        assertTrue(error.getMessage().contains("1 of 150 keys"), error.getMessage());
        assertEquals(149, error.hitsBeforeFailure().size());
        // One full chunk, then the second chunk's first call and three retries of the stuck key.
        assertEquals(List.of(100, 50, 1, 1, 1), dynamo.getCallSizes);
    }

    @Test
    void unprocessedItemsAreResentUntilWritten() {
        dynamo.processedPerCall = 10;
        cache(true).store(embeddings(0, 25, DIMENSION));
        assertEquals(25, dynamo.items.size());
        assertEquals(List.of(25, 15, 5), dynamo.writeCallSizes);
    }

    @Test
    void itemsStillUnprocessedAfterTheLastAttemptFailTheStoreAfterTheOtherChunks() {
        dynamo.alwaysUnprocessed.add(hash(3));
        EmbeddingCacheException error = assertThrows(EmbeddingCacheException.class,
                () -> cache(true).store(embeddings(0, 30, DIMENSION)));
        assertTrue(error.getMessage().startsWith("1 item(s) still unprocessed"), error.getMessage());
        assertEquals(29, dynamo.items.size());
    }

    @Test
    void entriesOfAnotherModelOrDimensionAreMisses() {
        DynamoDbEmbeddingCache cache = cache(true);
        cache.store(embeddings(0, 3, DIMENSION));
        new DynamoDbEmbeddingCache(dynamo, TABLE, "other/model", DIMENSION, 30, true, retrier)
                .store(embeddings(1, 2, DIMENSION));
        new DynamoDbEmbeddingCache(dynamo, TABLE, MODEL, DIMENSION * 2, 30, true, retrier)
                .store(embeddings(2, 3, DIMENSION * 2));

        assertEquals(Set.of(hash(0)), cache.lookup(hashes(0, 3)).keySet());
    }

    @Test
    void withoutOverwriteAnotherModelsEntryIsLeftAloneAndTheRestIsWritten() {
        DynamoDbEmbeddingCache otherModel =
                new DynamoDbEmbeddingCache(dynamo, TABLE, "other/model", DIMENSION, 30, true, retrier);
        otherModel.store(Map.of(hash(1), entry(100, DIMENSION)));

        cache(false).store(embeddings(0, 3, DIMENSION));

        assertEquals("other/model", dynamo.items.get(hash(1)).get("model").s());
        assertArrayEquals(vector(100, DIMENSION), otherModel.lookup(List.of(hash(1))).get(hash(1)).vector());
        assertEquals(Set.of(hash(0), hash(2)), cache(false).lookup(hashes(0, 3)).keySet());
    }

    @Test
    void withOverwriteAnotherModelsEntryIsReplaced() {
        new DynamoDbEmbeddingCache(dynamo, TABLE, "other/model", DIMENSION, 30, true, retrier)
                .store(Map.of(hash(1), entry(100, DIMENSION)));

        cache(true).store(embeddings(1, 2, DIMENSION));

        assertArrayEquals(vector(1, DIMENSION), cache(false).lookup(List.of(hash(1))).get(hash(1)).vector());
    }

    @Test
    void withoutOverwriteOurOwnEntriesAreStillRefreshed() {
        cache(false).store(Map.of(hash(1), entry(1, DIMENSION)));
        cache(false).store(Map.of(hash(1), new CachedEmbedding(vector(2, DIMENSION),
                TestEmbeddings.CREATED_AT.plus(Duration.ofDays(1)))));
        assertArrayEquals(vector(2, DIMENSION), cache(false).lookup(List.of(hash(1))).get(hash(1)).vector());
        assertEquals(Long.toString(1_700_000_000L + 86_400L), dynamo.items.get(hash(1)).get("created_at").n());
    }

    @Test
    void withoutOverwriteEntriesThatCouldNotBeCheckedAreNotWrittenAndTheStoreReportsThem() {
        dynamo.alwaysUnprocessed.add(hash(1));
        EmbeddingCacheException error = assertThrows(EmbeddingCacheException.class,
                () -> cache(false).store(embeddings(0, 3, DIMENSION)));
        assertTrue(error.getMessage().contains("1 not written because their existing entry could not be checked"),
                error.getMessage());
        assertEquals(Set.of(hash(0), hash(2)), dynamo.items.keySet());
    }

    @Test
    void entriesThatCannotBeWrittenAreLeftOutAndReportedWhileTheOthersOfTheStoreAreWritten() {
        Map<String, CachedEmbedding> batch = new LinkedHashMap<>(embeddings(0, 5, DIMENSION));
        batch.put(hash(1), withComponent(1, 3, Float.NaN));
        batch.put(hash(2), withComponent(2, 0, Float.POSITIVE_INFINITY));
        batch.put(hash(3), new CachedEmbedding(new float[DIMENSION - 1], TestEmbeddings.CREATED_AT));
        batch.put("NOT-A-HASH", entry(5, DIMENSION));

        EmbeddingCacheException error = assertThrows(EmbeddingCacheException.class, () -> cache(false).store(batch));

        assertTrue(error.getMessage().startsWith("4 of 6 entries not written (the others were stored): embedding for "
                + hash(1) + " has component 3 = NaN"), error.getMessage());
        assertEquals(Set.of(hash(0), hash(4)), dynamo.items.keySet());
        assertEquals(Set.of(hash(0), hash(4)), cache(false).lookup(hashes(0, 5)).keySet());
    }

    @Test
    void anEntryThatCannotBeWrittenMakesNoCallAndAnInvalidLookupKeyIsRejectedBeforeAnyCall() {
        DynamoDbEmbeddingCache cache = cache(false);
        assertThrows(EmbeddingCacheException.class,
                () -> cache.store(Map.of(hash(0), withComponent(0, 3, Float.NaN))));
        assertThrows(IllegalArgumentException.class, () -> cache.lookup(List.of(hash(0), "NOT-A-HASH")));
        assertTrue(dynamo.writeCallSizes.isEmpty());
        assertTrue(dynamo.getCallSizes.isEmpty());
    }

    @Test
    void anItemWithATimeOutOfRangeIsAMissWhileTheOthersOfTheLookupHit() {
        DynamoDbEmbeddingCache cache = cache(true);
        cache.store(embeddings(0, 5, DIMENSION));
        change(hash(1), item -> item.put("created_at", AttributeValue.fromN("1e17"))); // beyond java.time.Instant
        change(hash(2), item -> {
            item.remove("created_at");
            item.put("ttl", AttributeValue.fromN(Long.toString(Long.MIN_VALUE)));
        });
        change(hash(3), item -> item.put("created_at", AttributeValue.fromN("253402300800"))); // the year 10000

        Map<String, CachedEmbedding> hits = cache.lookup(hashes(0, 5));

        assertEquals(Set.of(hash(0), hash(4)), hits.keySet());
        assertArrayEquals(vector(4, DIMENSION), hits.get(hash(4)).vector());
    }

    private void change(String hash, Consumer<Map<String, AttributeValue>> change) {
        Map<String, AttributeValue> item = new HashMap<>(dynamo.items.get(hash));
        change.accept(item);
        dynamo.items.put(hash, item);
    }

    /** Image i's entry with one component replaced. */
    private static CachedEmbedding withComponent(int i, int component, float value) {
        float[] vector = vector(i, DIMENSION);
        vector[component] = value;
        return new CachedEmbedding(vector, TestEmbeddings.CREATED_AT);
    }

    @Test
    void emptyRequestsMakeNoCalls() {
        DynamoDbEmbeddingCache cache = cache(false);
        assertTrue(cache.lookup(List.of()).isEmpty());
        cache.store(Map.of());
        assertTrue(dynamo.writeCallSizes.isEmpty());
        assertTrue(dynamo.getCallSizes.isEmpty());
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class,
                () -> new DynamoDbEmbeddingCache(dynamo, " ", MODEL, DIMENSION, 30, false, retrier));
        assertThrows(IllegalArgumentException.class,
                () -> new DynamoDbEmbeddingCache(dynamo, TABLE, "", DIMENSION, 30, false, retrier));
        assertThrows(IllegalArgumentException.class,
                () -> new DynamoDbEmbeddingCache(dynamo, TABLE, MODEL, 0, 30, false, retrier));
        assertThrows(IllegalArgumentException.class,
                () -> new DynamoDbEmbeddingCache(dynamo, TABLE, MODEL, DIMENSION, 0, false, retrier));
    }

    @Test
    void aFailingCallFailsTheLookupWithTheHitsOfEarlierChunks() {
        DynamoDbEmbeddingCache cache = cache(true);
        cache.store(embeddings(0, 150, DIMENSION));
        dynamo.failingGetCallsFrom = 2;

        EmbeddingCacheException error = assertThrows(EmbeddingCacheException.class,
                () -> cache.lookup(hashes(0, 150)));

        assertEquals(100, error.hitsBeforeFailure().size());
        assertEquals(new HashSet<>(hashes(0, 100)), error.hitsBeforeFailure().keySet());
        assertTrue(error.getCause() instanceof DynamoDbException, String.valueOf(error.getCause()));
    }
}

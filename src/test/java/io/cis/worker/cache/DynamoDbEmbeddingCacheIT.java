package io.cis.worker.cache;

import static io.cis.worker.cache.TestEmbeddings.embeddings;
import static io.cis.worker.cache.TestEmbeddings.hash;
import static io.cis.worker.cache.TestEmbeddings.hashes;
import static io.cis.worker.cache.TestEmbeddings.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** DynamoDbEmbeddingCache against a real DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB), one fresh table per test. */
class DynamoDbEmbeddingCacheIT {

    private static final String MODEL = "openai/clip-vit-base-patch32";
    private static final int DIMENSION = 512;
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final Instant LAMBDA_CREATED_AT = Instant.ofEpochSecond(1_717_243_200L);

    private static final LocalDynamoDb.BatchCallRecorder calls = new LocalDynamoDb.BatchCallRecorder();
    private static DynamoDbClient client;
    private String table;

    @BeforeAll
    static void connect() {
        URI endpoint = LocalDynamoDb.endpoint();
        client = LocalDynamoDb.client(endpoint, calls);
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            client.close();
        }
    }

    @BeforeEach
    void createTable() {
        table = LocalDynamoDb.createCacheTable(client);
        calls.clear();
    }

    @AfterEach
    void deleteTable() {
        client.deleteTable(b -> b.tableName(table));
    }

    private DynamoDbEmbeddingCache cache(String model, int dimension, boolean overwriteOtherModel) {
        return new DynamoDbEmbeddingCache(client, table, model, dimension, DynamoDbEmbeddingCache.DEFAULT_TTL_DAYS,
                overwriteOtherModel);
    }

    private DynamoDbEmbeddingCache cache() {
        return cache(MODEL, DIMENSION, false);
    }

    @Test
    void storedEmbeddingsReadBackAsTheSameFloats() {
        Map<String, CachedEmbedding> stored = new LinkedHashMap<>();
        embeddings(0, 3, DIMENSION).forEach((hash, entry) -> stored.put(hash, new CachedEmbedding(entry.vector(), NOW)));
        cache().store(stored);

        Map<String, CachedEmbedding> hits = cache().lookup(List.of(hash(0), hash(1), hash(2), hash(3)));

        assertEquals(stored.keySet(), hits.keySet());
        stored.forEach((hash, entry) -> assertArrayEquals(entry.vector(), hits.get(hash).vector(), hash));
        hits.forEach((hash, hit) -> assertEquals(NOW, hit.createdAt(), "created_at read back"));
        Map<String, AttributeValue> item = getItem(hash(0));
        assertEquals(Set.of("image_hash", "embedding", "dimension", "model", "created_at", "ttl"), item.keySet());
        assertEquals(Long.toString(NOW.getEpochSecond()), item.get("created_at").n());
        assertEquals(Long.toString(NOW.getEpochSecond() + 30 * 86_400L), item.get("ttl").n());
        assertEquals("512", item.get("dimension").n());
        assertEquals(MODEL, item.get("model").s());
    }

    @Test
    void anItemPutByTheLambdaIsAHit() {
        float[] vector = vector(5, DIMENSION);
        putLambdaItem(hash(5), MODEL, DIMENSION, vector);

        Map<String, CachedEmbedding> hits = cache().lookup(List.of(hash(5)));

        assertArrayEquals(vector, hits.get(hash(5)).vector());
        assertEquals(LAMBDA_CREATED_AT, hits.get(hash(5)).createdAt(), "the Lambda's created_at");
    }

    @Test
    void anotherModelNameMisses() {
        putLambdaItem(hash(5), "openai/clip-vit-large-patch14", DIMENSION, vector(5, DIMENSION));
        cache("openai/clip-vit-large-patch14", DIMENSION, true).store(embeddings(6, 7, DIMENSION));

        assertTrue(cache().lookup(List.of(hash(5), hash(6))).isEmpty());
    }

    @Test
    void anotherDimensionMisses() {
        putLambdaItem(hash(5), MODEL, 768, vector(5, 768));
        cache(MODEL, 768, true).store(embeddings(6, 7, 768));

        assertTrue(cache().lookup(List.of(hash(5), hash(6))).isEmpty());
    }

    @Test
    void oneLookupOf150KeysIsPagedIntoCallsOfAtMost100() {
        cache(MODEL, DIMENSION, true).store(embeddings(0, 150, DIMENSION));
        calls.clear();

        Map<String, CachedEmbedding> hits = cache().lookup(hashes(0, 150));

        assertEquals(150, hits.size());
        assertArrayEquals(vector(149, DIMENSION), hits.get(hash(149)).vector());
        // Whatever DynamoDB Local leaves unprocessed is re-sent, so there may be more calls, but none above 100.
        assertEquals(List.of(100, 50), calls.getKeys.subList(0, 2));
        assertTrue(calls.getKeys.stream().allMatch(keys -> keys <= 100), calls.getKeys::toString);
    }

    @Test
    void storing60EmbeddingsWritesChunksOfAtMost25() {
        cache().store(embeddings(0, 60, DIMENSION));

        assertEquals(List.of(25, 25, 10), calls.writeItems.subList(0, 3));
        assertTrue(calls.writeItems.stream().allMatch(items -> items <= 25), calls.writeItems::toString);
        assertEquals(60, cache().lookup(hashes(0, 60)).size());
    }

    @Test
    void withoutOverwriteAnotherModelsEntryIsKept() {
        float[] theirs = vector(100, DIMENSION);
        putLambdaItem(hash(1), "openai/clip-vit-large-patch14", DIMENSION, theirs);

        cache(MODEL, DIMENSION, false).store(embeddings(0, 3, DIMENSION));

        assertEquals("openai/clip-vit-large-patch14", getItem(hash(1)).get("model").s());
        assertArrayEquals(theirs, cache("openai/clip-vit-large-patch14", DIMENSION, false)
                .lookup(List.of(hash(1))).get(hash(1)).vector());
        assertEquals(Set.of(hash(0), hash(2)), cache().lookup(hashes(0, 3)).keySet());
    }

    @Test
    void withOverwriteAnotherModelsEntryIsReplaced() {
        putLambdaItem(hash(1), "openai/clip-vit-large-patch14", DIMENSION, vector(100, DIMENSION));

        cache(MODEL, DIMENSION, true).store(embeddings(1, 2, DIMENSION));

        assertEquals(MODEL, getItem(hash(1)).get("model").s());
        assertArrayEquals(vector(1, DIMENSION), cache().lookup(List.of(hash(1))).get(hash(1)).vector());
    }

    @Test
    void anItemWithATimeOutOfRangeIsAMissWhileTheOthersHitAndTheNextStoreReplacesIt() {
        for (int i = 5; i <= 8; i++) {
            putLambdaItem(hash(i), MODEL, DIMENSION, vector(i, DIMENSION));
        }
        // As a foreign writer of the shared table might leave them: a created_at beyond java.time.Instant, and
        // no created_at with a ttl whose created_at (ttl less the TTL days) would overflow a long.
        putItem(hash(6), item -> item.put("created_at", AttributeValue.fromN("1e17")));
        putItem(hash(7), item -> {
            item.remove("created_at");
            item.put("ttl", AttributeValue.fromN(Long.toString(Long.MIN_VALUE)));
        });

        Map<String, CachedEmbedding> hits = cache().lookup(hashes(5, 9));

        assertEquals(Set.of(hash(5), hash(8)), hits.keySet());
        assertArrayEquals(vector(8, DIMENSION), hits.get(hash(8)).vector());
        cache().store(Map.of(hash(6), new CachedEmbedding(vector(6, DIMENSION), NOW)));
        assertEquals(NOW, cache().lookup(List.of(hash(6))).get(hash(6)).createdAt());
    }

    /** Rewrites a stored item with one change. */
    private void putItem(String hash, Consumer<Map<String, AttributeValue>> change) {
        Map<String, AttributeValue> item = new HashMap<>(getItem(hash));
        change.accept(item);
        client.putItem(b -> b.tableName(table).item(item));
    }

    /**
     * A plain PutItem as the Python Lambda does it: the vector's float32 values become Python floats (doubles) and go
     * in as numbers through Decimal(str(x)); created_at is int(time.time()).
     */
    private void putLambdaItem(String hash, String model, int dimension, float[] vector) {
        List<AttributeValue> numbers = new ArrayList<>();
        for (float value : vector) {
            numbers.add(AttributeValue.fromN(pythonStr(value)));
        }
        long createdAt = LAMBDA_CREATED_AT.getEpochSecond();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("image_hash", AttributeValue.fromS(hash));
        item.put("embedding", AttributeValue.fromL(numbers));
        item.put("dimension", AttributeValue.fromN(Integer.toString(dimension)));
        item.put("model", AttributeValue.fromS(model));
        item.put("created_at", AttributeValue.fromN(Long.toString(createdAt)));
        item.put("ttl", AttributeValue.fromN(Long.toString(createdAt + 30 * 86_400L)));
        client.putItem(b -> b.tableName(table).item(item));
    }

    /**
     * The same number as Python's str() of a float32 widened to a double: plain digits down to 1e-4, below that
     * exponent notation with a two-digit exponent (e.g. 0.012345678918063641, -1.2345000126957893e-05).
     */
    static String pythonStr(float value) {
        double widened = value;
        BigDecimal decimal = new BigDecimal(Double.toString(widened));
        if (widened == 0.0) {
            return Double.toString(widened); // keeps the sign of -0.0, which BigDecimal drops
        }
        if (Math.abs(widened) >= 1e-4) {
            return decimal.toPlainString();
        }
        String digits = decimal.unscaledValue().abs().toString().replaceFirst("0+$", "");
        int exponent = decimal.precision() - decimal.scale() - 1;
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (widened < 0 ? "-" : "") + mantissa + "e-" + String.format("%02d", -exponent);
    }

    private Map<String, AttributeValue> getItem(String hash) {
        return client.getItem(b -> b.tableName(table).key(Map.of("image_hash", AttributeValue.fromS(hash)))
                .consistentRead(true)).item();
    }
}

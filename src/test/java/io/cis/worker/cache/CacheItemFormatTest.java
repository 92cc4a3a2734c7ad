package io.cis.worker.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class CacheItemFormatTest {

    private static final String MODEL = "openai/clip-vit-base-patch32";
    private final CacheItemFormat format = new CacheItemFormat(MODEL, 3, 30);
    private final String hash = TestEmbeddings.hash(1);

    @Test
    void writesTheLambdasAttributesWithTheLambdasTypes() {
        Map<String, AttributeValue> item = format.toItem(hash, new CachedEmbedding(new float[] {0.5f, -0.25f, 1.0E-5f},
                Instant.ofEpochSecond(1_700_000_000L, 999_000_000)));

        assertEquals(Set.of("image_hash", "embedding", "dimension", "model", "created_at", "ttl"), item.keySet());
        assertEquals(AttributeValue.fromS(hash), item.get("image_hash"));
        assertEquals(AttributeValue.fromL(List.of(AttributeValue.fromN("0.5"), AttributeValue.fromN("-0.25"),
                AttributeValue.fromN("1.0E-5"))), item.get("embedding"));
        assertEquals(AttributeValue.fromN("3"), item.get("dimension"));
        assertEquals(AttributeValue.fromS(MODEL), item.get("model"));
        assertEquals(AttributeValue.fromN("1700000000"), item.get("created_at"));
        assertEquals(AttributeValue.fromN(Long.toString(1_700_000_000L + 30 * 86_400L)), item.get("ttl"));
    }

    @Test
    void readsBackExactlyTheFloatsItWrote() {
        float[] vector = TestEmbeddings.vector(7, 3);
        Map<String, AttributeValue> item = format.toItem(hash, new CachedEmbedding(vector, Instant.EPOCH));
        assertArrayEquals(vector, format.compatibleEmbedding(item).orElseThrow().vector());
    }

    @Test
    void readsBackTheTimeItWrote() {
        Instant computed = Instant.ofEpochSecond(1_717_243_200L);
        Map<String, AttributeValue> item = format.toItem(hash, new CachedEmbedding(new float[3], computed));
        assertEquals(computed, format.compatibleEmbedding(item).orElseThrow().createdAt());
    }

    @Test
    void anEntryWithoutCreatedAtIsDatedByItsTtlAndOneWithNeitherIsAMiss() {
        Map<String, AttributeValue> item = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
        item.put("created_at", AttributeValue.fromN("1717243200.75")); // a float time is cut to whole seconds
        assertEquals(Instant.ofEpochSecond(1_717_243_200L), format.compatibleEmbedding(item).orElseThrow().createdAt());

        item.remove("created_at");
        // ttl 1702592000 is 30 days after 1700000000
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), format.compatibleEmbedding(item).orElseThrow().createdAt());

        item.put("created_at", AttributeValue.fromS("yesterday"));
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), format.compatibleEmbedding(item).orElseThrow().createdAt());

        item.remove("ttl");
        assertTrue(format.compatibleEmbedding(item).isEmpty(), "nothing says when it was computed: embed it again");
        assertFalse(format.holdsOtherModel(item), "and the new entry may replace it");
    }

    @Test
    void timesOutOfRangeAreMissesNotErrors() {
        // Beyond java.time.Instant, beyond a long, before 1970, after the year 9999: each a miss, never a throw.
        for (String createdAt : List.of("1e17", "-1e17", "9223372036854775807", "1e30", "-1", "253402300800")) {
            Map<String, AttributeValue> item = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
            item.put("created_at", AttributeValue.fromN(createdAt));
            assertTrue(format.compatibleEmbedding(item).isEmpty(), "created_at " + createdAt);
            assertFalse(format.holdsOtherModel(item), "and the new entry may replace it");
        }
        // Without created_at, a ttl whose created_at (ttl less 30 days) is out of range, or would overflow a long.
        for (String ttl : List.of("-9223372036854775808", "9223372036854775807", "1e17", "2591999")) {
            Map<String, AttributeValue> item = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
            item.remove("created_at");
            item.put("ttl", AttributeValue.fromN(ttl));
            assertTrue(format.compatibleEmbedding(item).isEmpty(), "ttl " + ttl);
        }
    }

    @Test
    void timesAtTheEdgesOfTheRangeAreHits() {
        Map<String, AttributeValue> item = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
        item.put("created_at", AttributeValue.fromN("253402300799.9"));
        assertEquals(Instant.parse("9999-12-31T23:59:59Z"), format.compatibleEmbedding(item).orElseThrow().createdAt());
        item.put("created_at", AttributeValue.fromN("0"));
        assertEquals(Instant.EPOCH, format.compatibleEmbedding(item).orElseThrow().createdAt());
        item.remove("created_at");
        item.put("ttl", AttributeValue.fromN("2592000"));
        assertEquals(Instant.EPOCH, format.compatibleEmbedding(item).orElseThrow().createdAt());
    }

    @Test
    void readsNumbersAsPythonWritesThem() {
        // str() of Python floats (doubles), as Decimal(str(x)) puts them into the table.
        // The dimension as "3.0" too: a Decimal built from a float keeps its ".0".
        Map<String, AttributeValue> item = lambdaItem(MODEL, "3.0", List.of("0.012345678918063641", "-1e-05",
                "0.1"));
        assertArrayEquals(new float[] {0.012345679f, -1.0E-5f, 0.1f}, format.compatibleEmbedding(item).orElseThrow().vector());
    }

    @Test
    void anotherModelIsAMissAndCountsAsAnotherModelsEntry() {
        Map<String, AttributeValue> item = lambdaItem("openai/clip-vit-large-patch14", "3", List.of("1", "2", "3"));
        assertTrue(format.compatibleEmbedding(item).isEmpty());
        assertTrue(format.holdsOtherModel(item));
    }

    @Test
    void anotherDimensionIsAMissAndCountsAsAnotherModelsEntry() {
        Map<String, AttributeValue> item = lambdaItem(MODEL, "2", List.of("1", "2"));
        assertTrue(format.compatibleEmbedding(item).isEmpty());
        assertTrue(format.holdsOtherModel(item));
    }

    @Test
    void aListOfTheWrongLengthIsAMissButStillOurs() {
        Map<String, AttributeValue> item = lambdaItem(MODEL, "3", List.of("1", "2"));
        assertTrue(format.compatibleEmbedding(item).isEmpty());
        assertFalse(format.holdsOtherModel(item));
    }

    @Test
    void malformedEntriesAreMissesNotErrors() {
        Map<String, AttributeValue> noModel = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
        noModel.remove("model");
        assertTrue(format.compatibleEmbedding(noModel).isEmpty());
        assertTrue(format.holdsOtherModel(noModel));

        Map<String, AttributeValue> textInList = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
        textInList.put("embedding", AttributeValue.fromL(List.of(AttributeValue.fromN("1"),
                AttributeValue.fromS("2"), AttributeValue.fromN("3"))));
        assertTrue(format.compatibleEmbedding(textInList).isEmpty());

        Map<String, AttributeValue> overflow = lambdaItem(MODEL, "3", List.of("1", "1e300", "3"));
        assertTrue(format.compatibleEmbedding(overflow).isEmpty());

        Map<String, AttributeValue> noEmbedding = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
        noEmbedding.remove("embedding");
        assertTrue(format.compatibleEmbedding(noEmbedding).isEmpty());

        Map<String, AttributeValue> dimensionAsText = lambdaItem(MODEL, "3", List.of("1", "2", "3"));
        dimensionAsText.put("dimension", AttributeValue.fromS("3"));
        assertTrue(format.compatibleEmbedding(dimensionAsText).isEmpty());
    }

    private Map<String, AttributeValue> lambdaItem(String model, String dimension, List<String> numbers) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("image_hash", AttributeValue.fromS(hash));
        item.put("embedding", AttributeValue.fromL(numbers.stream().map(AttributeValue::fromN).toList()));
        item.put("dimension", AttributeValue.fromN(dimension));
        item.put("model", AttributeValue.fromS(model));
        item.put("created_at", AttributeValue.fromN("1700000000"));
        item.put("ttl", AttributeValue.fromN("1702592000"));
        return item;
    }
}

package io.cis.worker.cache;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The cache table's item, exactly as the old Python Lambda writes it, so that either side reads the other's entries:
 *
 * <pre>
 * image_hash  S  MD5 hex of the image bytes (partition key)
 * embedding   L  list of N, one per dimension
 * dimension   N  length of the embedding
 * model       S  model name, e.g. openai/clip-vit-base-patch32
 * created_at  N  epoch seconds: when the embedding was computed
 * ttl         N  created_at + ttlDays * 86400 (the table's TTL attribute)
 * </pre>
 *
 * <p>A hit gives back {@code created_at} as the embedding's time, so every write of the same entry's vector carries
 * the same time. An item without a readable {@code created_at} (the Lambda always writes one, as
 * {@code int(time.time())}, but the table is shared) is dated {@code ttl} less our TTL days, which is its
 * {@code created_at} whenever the writer used our TTL and a fixed time in any case; an item with neither is a miss,
 * so it is embedded again and rewritten in full rather than given a time that changes on every hit. So is an item
 * whose time is before 1970 or after the year 9999: the document's {@code image_embedding_updated_at} gets that time
 * as ISO-8601 text with a four-digit year, and a time beyond Java's {@link Instant} could not even be read. Such an
 * item is only a miss for its own hash; it never costs the other hits of a lookup.
 */
final class CacheItemFormat {

    static final String IMAGE_HASH = "image_hash";
    static final String EMBEDDING = "embedding";
    static final String DIMENSION = "dimension";
    static final String MODEL = "model";
    static final String CREATED_AT = "created_at";
    static final String TTL = "ttl";

    private static final long SECONDS_PER_DAY = 86_400L;
    private static final BigDecimal EARLIEST_SECONDS = BigDecimal.ZERO;
    private static final BigDecimal LATEST_SECONDS =
            BigDecimal.valueOf(Instant.parse("9999-12-31T23:59:59Z").getEpochSecond());

    private final String modelName;
    private final int dimension;
    private final int ttlDays;

    CacheItemFormat(String modelName, int dimension, int ttlDays) {
        this.modelName = modelName;
        this.dimension = dimension;
        this.ttlDays = ttlDays;
    }

    Map<String, AttributeValue> toItem(String imageHash, CachedEmbedding embedding) {
        List<AttributeValue> numbers = new ArrayList<>(embedding.vector().length);
        for (float value : embedding.vector()) {
            // Float.toString is the shortest text that reads back as the same float, in Java and in Python alike.
            numbers.add(AttributeValue.fromN(Float.toString(value)));
        }
        long createdAtSeconds = embedding.createdAt().getEpochSecond();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(IMAGE_HASH, AttributeValue.fromS(imageHash));
        item.put(EMBEDDING, AttributeValue.fromL(numbers));
        item.put(DIMENSION, AttributeValue.fromN(Integer.toString(dimension)));
        item.put(MODEL, AttributeValue.fromS(modelName));
        item.put(CREATED_AT, AttributeValue.fromN(Long.toString(createdAtSeconds)));
        item.put(TTL, AttributeValue.fromN(Long.toString(createdAtSeconds + ttlDays * SECONDS_PER_DAY)));
        return item;
    }

    static String imageHash(Map<String, AttributeValue> item) {
        AttributeValue hash = item.get(IMAGE_HASH);
        return hash == null ? null : hash.s();
    }

    /** True when the item was written for another model name or dimension (or does not say which). */
    boolean holdsOtherModel(Map<String, AttributeValue> item) {
        return !modelName.equals(stringOf(item.get(MODEL))) || !hasOurDimension(item.get(DIMENSION));
    }

    /**
     * The item's embedding and when it was computed, if it is usable by us: same model name, same dimension, an
     * embedding list of exactly that many finite numbers, and a time (see the class comment). Anything else is a
     * miss, never an error: the table is shared and may hold anything.
     */
    Optional<CachedEmbedding> compatibleEmbedding(Map<String, AttributeValue> item) {
        if (holdsOtherModel(item)) {
            return Optional.empty();
        }
        Optional<Instant> createdAt = createdAt(item);
        if (createdAt.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue list = item.get(EMBEDDING);
        if (list == null || !list.hasL() || list.l().size() != dimension) {
            return Optional.empty();
        }
        float[] embedding = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            String number = list.l().get(i).n();
            if (number == null) {
                return Optional.empty();
            }
            try {
                embedding[i] = Float.parseFloat(number);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (!Float.isFinite(embedding[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(new CachedEmbedding(embedding, createdAt.get()));
    }

    /**
     * {@code created_at}, else {@code ttl} less our TTL, else empty; empty too when that time is out of range (see the
     * class comment). A fraction of a second, as Python's time.time() would give, is dropped.
     */
    private Optional<Instant> createdAt(Map<String, AttributeValue> item) {
        Optional<BigDecimal> seconds = number(item.get(CREATED_AT));
        if (seconds.isEmpty()) {
            seconds = number(item.get(TTL)).map(ttl -> ttl.subtract(BigDecimal.valueOf(ttlDays * SECONDS_PER_DAY)));
        }
        return seconds
                .map(s -> s.setScale(0, RoundingMode.FLOOR))
                .filter(s -> s.compareTo(EARLIEST_SECONDS) >= 0 && s.compareTo(LATEST_SECONDS) <= 0)
                .map(s -> Instant.ofEpochSecond(s.longValueExact()));
    }

    /** A number attribute's value, exactly as written. */
    private static Optional<BigDecimal> number(AttributeValue value) {
        if (value == null || value.n() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BigDecimal(value.n()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String stringOf(AttributeValue value) {
        return value == null ? null : value.s();
    }

    private boolean hasOurDimension(AttributeValue value) {
        if (value == null || value.n() == null) {
            return false;
        }
        try {
            // compareTo, not equals: the Lambda may write 512 as "512" or "512.0".
            return new BigDecimal(value.n()).compareTo(BigDecimal.valueOf(dimension)) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}

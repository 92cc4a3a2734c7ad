package io.cis.worker.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The embedding cache in the DynamoDB table shared with the old Lambda (see {@link CacheItemFormat} for the item).
 *
 * <p>Lookups use BatchGetItem, at most {@value #MAX_KEYS_PER_GET} keys per call; stores use BatchWriteItem, at most
 * {@value #MAX_ITEMS_PER_WRITE} items per call. What a call leaves unprocessed is re-sent with backoff a bounded number
 * of times ({@link UnprocessedRetrier}); whatever is still unprocessed then makes the operation throw an
 * {@link EmbeddingCacheException} after all chunks were tried (a lookup's exception carries the hits it found).
 * Likewise an entry a store cannot write (not an MD5 hex key, a vector of another length or with a NaN or infinite
 * component) is left out and reported after the others were written, and an item a lookup cannot use (see
 * {@link CacheItemFormat#compatibleEmbedding}) is a miss while the others still hit: one bad entry never costs the
 * rest of its batch.
 * An entry's {@code created_at} is the time the caller says the embedding was computed, and a hit gives it back.
 *
 * <p><b>Other models' entries.</b> BatchWriteItem cannot be conditional, so with {@code overwriteOtherModel == false}
 * a store first reads the {@code model} and {@code dimension} of the keys it is about to write and leaves out every key
 * whose entry belongs to another model name or dimension (keys it could not check are left out too, and reported).
 * This check lives in the store itself, not in state remembered from an earlier lookup, so it holds whatever the
 * caller did before, at the price of one extra read per stored key; stores only follow inference, which costs far
 * more. What it cannot prevent: an entry the Lambda writes for another model between our read and our write (a
 * window of milliseconds for the same image) is overwritten.
 */
public final class DynamoDbEmbeddingCache implements EmbeddingCache {

    public static final int DEFAULT_TTL_DAYS = 30;
    static final int MAX_KEYS_PER_GET = 100;
    static final int MAX_ITEMS_PER_WRITE = 25;

    /** Which attributes a read returns; placeholders because attribute names may be DynamoDB reserved words. */
    private record Projection(String expression, Map<String, String> names) {
    }

    private static final Projection WHOLE_ENTRY = new Projection("#h, #m, #d, #e, #c, #t", Map.of(
            "#h", CacheItemFormat.IMAGE_HASH, "#m", CacheItemFormat.MODEL,
            "#d", CacheItemFormat.DIMENSION, "#e", CacheItemFormat.EMBEDDING,
            "#c", CacheItemFormat.CREATED_AT, "#t", CacheItemFormat.TTL));
    private static final Projection OWNER_ONLY = new Projection("#h, #m, #d", Map.of(
            "#h", CacheItemFormat.IMAGE_HASH, "#m", CacheItemFormat.MODEL, "#d", CacheItemFormat.DIMENSION));

    private final DynamoDbClient client;
    private final String tableName;
    private final int dimension;
    private final boolean overwriteOtherModel;
    private final UnprocessedRetrier retrier;
    private final CacheItemFormat format;

    /**
     * @param overwriteOtherModel whether a store may replace an entry written for another model name or dimension
     */
    public DynamoDbEmbeddingCache(DynamoDbClient client, String tableName, String modelName, int dimension,
                                  int ttlDays, boolean overwriteOtherModel, UnprocessedRetrier retrier) {
        if (tableName == null || tableName.isBlank()) {
            throw new IllegalArgumentException("tableName must not be blank");
        }
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("modelName must not be blank");
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, was " + dimension);
        }
        if (ttlDays < 1) {
            throw new IllegalArgumentException("ttlDays must be >= 1, was " + ttlDays);
        }
        this.client = client;
        this.tableName = tableName;
        this.dimension = dimension;
        this.overwriteOtherModel = overwriteOtherModel;
        this.retrier = retrier;
        this.format = new CacheItemFormat(modelName, dimension, ttlDays);
    }

    /** With the default backoff for unprocessed keys and items. */
    public DynamoDbEmbeddingCache(DynamoDbClient client, String tableName, String modelName, int dimension,
                                  int ttlDays, boolean overwriteOtherModel) {
        this(client, tableName, modelName, dimension, ttlDays, overwriteOtherModel, UnprocessedRetrier.withDefaults());
    }

    @Override
    public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
        List<String> keys = distinctValidHashes(imageHashes);
        Map<String, CachedEmbedding> hits = new HashMap<>();
        int unresolved = 0;
        for (List<String> chunk : chunks(keys, MAX_KEYS_PER_GET)) {
            Reads reads;
            try {
                reads = read(chunk, WHOLE_ENTRY);
            } catch (RuntimeException e) {
                throw new EmbeddingCacheException("BatchGetItem on table " + tableName + " failed", e, hits);
            }
            for (Map<String, AttributeValue> item : reads.items()) {
                format.compatibleEmbedding(item).ifPresent(embedding ->
                        hits.put(CacheItemFormat.imageHash(item), embedding));
            }
            unresolved += reads.unresolvedHashes().size();
        }
        if (unresolved > 0) {
            throw new EmbeddingCacheException(unresolved + " of " + keys.size() + " keys still unprocessed by "
                    + "BatchGetItem on table " + tableName + " after " + retrier.maxAttempts() + " attempts", null,
                    hits);
        }
        return hits;
    }

    @Override
    public void store(Map<String, CachedEmbedding> embeddings) {
        // An entry that cannot be written is left out and reported below; the others of the batch are still written.
        Map<String, CachedEmbedding> storable = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        embeddings.forEach((hash, entry) -> {
            String problem = problemWith(hash, entry);
            if (problem == null) {
                storable.put(hash, entry);
            } else {
                refused.add(problem);
            }
        });
        write(storable);
        if (!refused.isEmpty()) {
            throw new EmbeddingCacheException(refused.size() + " of " + embeddings.size() + " entries not written "
                    + "(the others were stored): " + refused.get(0) + (refused.size() > 1 ? "; ..." : ""), null);
        }
    }

    /** Writes entries already checked by {@link #problemWith}. */
    private void write(Map<String, CachedEmbedding> embeddings) {
        if (embeddings.isEmpty()) {
            return;
        }
        WritableHashes writable = overwriteOtherModel
                ? new WritableHashes(embeddings.keySet(), 0)
                : withoutOtherModelsEntries(embeddings.keySet());

        List<WriteRequest> requests = new ArrayList<>(writable.hashes().size());
        for (String hash : writable.hashes()) {
            Map<String, AttributeValue> item = format.toItem(hash, embeddings.get(hash));
            requests.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        int unwritten = 0;
        for (List<WriteRequest> chunk : chunks(requests, MAX_ITEMS_PER_WRITE)) {
            Map<String, List<WriteRequest>> leftover;
            try {
                leftover = retrier.retryWhileUnprocessed(Map.of(tableName, chunk),
                        pending -> client.batchWriteItem(b -> b.requestItems(pending)).unprocessedItems());
            } catch (RuntimeException e) {
                throw new EmbeddingCacheException("BatchWriteItem on table " + tableName + " failed", e);
            }
            unwritten += leftover.getOrDefault(tableName, List.of()).size();
        }
        if (unwritten > 0 || writable.uncheckable() > 0) {
            throw new EmbeddingCacheException(unwritten + " item(s) still unprocessed by BatchWriteItem and "
                    + writable.uncheckable() + " not written because their existing entry could not be checked, "
                    + "on table " + tableName + " after " + retrier.maxAttempts() + " attempts", null);
        }
    }

    /** Hashes a store may write, and how many were left out because their entry could not be read. */
    private record WritableHashes(Set<String> hashes, int uncheckable) {
    }

    /** Leaves out hashes whose entry belongs to another model or dimension, and those that could not be checked. */
    private WritableHashes withoutOtherModelsEntries(Set<String> hashes) {
        Set<String> free = new LinkedHashSet<>(hashes);
        int uncheckable = 0;
        for (List<String> chunk : chunks(new ArrayList<>(hashes), MAX_KEYS_PER_GET)) {
            Reads reads;
            try {
                reads = read(chunk, OWNER_ONLY);
            } catch (RuntimeException e) {
                throw new EmbeddingCacheException("BatchGetItem on table " + tableName
                        + " failed while checking for other models' entries", e);
            }
            for (Map<String, AttributeValue> item : reads.items()) {
                if (format.holdsOtherModel(item)) {
                    free.remove(CacheItemFormat.imageHash(item));
                }
            }
            reads.unresolvedHashes().forEach(free::remove);
            uncheckable += reads.unresolvedHashes().size();
        }
        return new WritableHashes(free, uncheckable);
    }

    private record Reads(List<Map<String, AttributeValue>> items, List<String> unresolvedHashes) {
    }

    /** One BatchGetItem chunk, re-sending unprocessed keys with backoff. */
    private Reads read(List<String> hashes, Projection projection) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(hashes.size());
        for (String hash : hashes) {
            keys.add(Map.of(CacheItemFormat.IMAGE_HASH, AttributeValue.fromS(hash)));
        }
        KeysAndAttributes request = KeysAndAttributes.builder()
                .keys(keys)
                .projectionExpression(projection.expression())
                .expressionAttributeNames(projection.names())
                .build();
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, KeysAndAttributes> leftover = retrier.retryWhileUnprocessed(Map.of(tableName, request),
                pending -> {
                    var response = client.batchGetItem(b -> b.requestItems(pending));
                    items.addAll(response.responses().getOrDefault(tableName, List.of()));
                    return response.unprocessedKeys();
                });
        List<String> unresolved = new ArrayList<>();
        KeysAndAttributes left = leftover.get(tableName);
        if (left != null) {
            for (Map<String, AttributeValue> key : left.keys()) {
                unresolved.add(CacheItemFormat.imageHash(key));
            }
        }
        return new Reads(items, unresolved);
    }

    /** Why an entry cannot be written, or null if it can. */
    private String problemWith(String hash, CachedEmbedding entry) {
        if (!ImageHashes.isValid(hash)) {
            return "not an MD5 hex image hash: " + hash;
        }
        if (entry == null || entry.vector().length != dimension) {
            return "embedding for " + hash + " has " + (entry == null ? "no" : entry.vector().length)
                    + " values, expected " + dimension;
        }
        int nonFinite = entry.firstNonFiniteComponent();
        if (nonFinite >= 0) {
            return "embedding for " + hash + " has component " + nonFinite + " = " + entry.vector()[nonFinite];
        }
        return null;
    }

    private static List<String> distinctValidHashes(Collection<String> hashes) {
        Set<String> distinct = new LinkedHashSet<>();
        for (String hash : hashes) {
            distinct.add(ImageHashes.requireValid(hash));
        }
        return new ArrayList<>(distinct);
    }

    private static <T> List<List<T>> chunks(List<T> values, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < values.size(); from += size) {
            chunks.add(values.subList(from, Math.min(values.size(), from + size)));
        }
        return chunks;
    }
}

package io.cis.worker.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * An in-memory single table that answers BatchGetItem and BatchWriteItem like DynamoDB does for the parts the cache
 * relies on: the per-call limits, and leaving part of a request unprocessed (as under throttling).
 */
final class FakeDynamoDb implements DynamoDbClient {

    final String table;
    final Map<String, Map<String, AttributeValue>> items = new HashMap<>();
    /** Keys (or items) per call, in call order. */
    final List<Integer> getCallSizes = new ArrayList<>();
    final List<Integer> writeCallSizes = new ArrayList<>();
    /** At most this many keys or items are processed per call; the rest come back unprocessed. */
    int processedPerCall = Integer.MAX_VALUE;
    /** Hashes that are never processed, by either call. */
    final Set<String> alwaysUnprocessed = new HashSet<>();
    /** BatchGetItem calls from this one on (1-based) fail, as when the service goes away mid-lookup. */
    int failingGetCallsFrom = Integer.MAX_VALUE;

    FakeDynamoDb(String table) {
        this.table = table;
    }

    @Override
    public BatchGetItemResponse batchGetItem(BatchGetItemRequest request) {
        KeysAndAttributes asked = onlyTable(request.requestItems());
        List<Map<String, AttributeValue>> keys = asked.keys();
        getCallSizes.add(keys.size());
        if (getCallSizes.size() >= failingGetCallsFrom) {
            throw DynamoDbException.builder().message("Service unavailable").statusCode(503).build();
        }
        if (keys.size() > 100 || keys.size() != new HashSet<>(keys).size()) {
            throw DynamoDbException.builder().message("Too many or duplicate keys: " + keys.size()).build();
        }
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        List<Map<String, AttributeValue>> unprocessed = new ArrayList<>();
        int processed = 0;
        for (Map<String, AttributeValue> key : keys) {
            String hash = key.get(CacheItemFormat.IMAGE_HASH).s();
            if (alwaysUnprocessed.contains(hash) || processed >= processedPerCall) {
                unprocessed.add(key);
            } else {
                processed++;
                if (items.containsKey(hash)) {
                    found.add(items.get(hash));
                }
            }
        }
        BatchGetItemResponse.Builder response = BatchGetItemResponse.builder().responses(Map.of(table, found));
        if (!unprocessed.isEmpty()) {
            response.unprocessedKeys(Map.of(table, asked.toBuilder().keys(unprocessed).build()));
        }
        return response.build();
    }

    @Override
    public BatchWriteItemResponse batchWriteItem(BatchWriteItemRequest request) {
        List<WriteRequest> writes = onlyTable(request.requestItems());
        writeCallSizes.add(writes.size());
        if (writes.size() > 25) {
            throw DynamoDbException.builder().message("Too many items: " + writes.size()).build();
        }
        List<WriteRequest> unprocessed = new ArrayList<>();
        int processed = 0;
        for (WriteRequest write : writes) {
            Map<String, AttributeValue> item = write.putRequest().item();
            String hash = CacheItemFormat.imageHash(item);
            if (alwaysUnprocessed.contains(hash) || processed >= processedPerCall) {
                unprocessed.add(write);
            } else {
                items.put(hash, item);
                processed++;
            }
        }
        return BatchWriteItemResponse.builder()
                .unprocessedItems(unprocessed.isEmpty() ? Map.of() : Map.of(table, unprocessed))
                .build();
    }

    private <T> T onlyTable(Map<String, T> requestItems) {
        if (!requestItems.keySet().equals(Set.of(table))) {
            throw DynamoDbException.builder().message("Unexpected tables " + requestItems.keySet()).build();
        }
        return requestItems.get(table);
    }

    @Override
    public String serviceName() {
        return "dynamodb";
    }

    @Override
    public void close() {
    }
}

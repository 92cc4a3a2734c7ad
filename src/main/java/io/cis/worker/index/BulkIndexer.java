package io.cis.worker.index;

import io.cis.worker.core.Reason;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

/**
 * Writes a batch of embedding updates and failure records with one {@code _bulk} request and reports what became
 * of each item. It does not retry: the caller re-sends the transient failures (only those) with its own backoff.
 *
 * <p>It never lets the write create the index ({@link AutoCreateGuard}): a missing index fails every item with
 * {@code index_not_found} (transient; receiving pauses until the index is back) instead of being auto-created with
 * dynamic mappings.
 */
public final class BulkIndexer implements BulkWriter {

    public static final int DEFAULT_RETRY_ON_CONFLICT = 3;

    private final OpenSearchClient client;
    private final String index;
    private final BulkActions actions;
    private final BulkItemClassifier classifier;
    private final AutoCreateGuard guard;

    /**
     * @param retryOnConflict how often OpenSearch itself re-applies an update that raced another write to the same
     *                        document; a conflict left after that is a transient failure
     */
    public BulkIndexer(OpenSearchClient client, String index, MissingDocumentPolicy missingDocumentPolicy,
                       int retryOnConflict) {
        this.client = Objects.requireNonNull(client, "client");
        if (index == null || index.isBlank()) {
            throw new IllegalArgumentException("index must not be blank");
        }
        this.index = index;
        this.actions = new BulkActions(missingDocumentPolicy, retryOnConflict);
        this.classifier = new BulkItemClassifier(missingDocumentPolicy);
        this.guard = new AutoCreateGuard(client, index);
    }

    /**
     * Sends the items that can be sent in one request.
     *
     * @return one result per item, in the order given. Items that could never be written (an invalid id, a vector
     *         with NaN) fail permanently without being sent, so they cannot spoil the request for the others.
     */
    @Override
    public List<BulkItemResult> index(List<? extends BulkItem> items) {
        BulkItemResult[] results = new BulkItemResult[items.size()];
        List<Integer> sent = new ArrayList<>();
        List<BulkOperation> operations = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            BulkItem item = items.get(i);
            String problem = problemWith(item);
            if (problem != null) {
                results[i] = BulkItemResult.permanent(item, Reason.DOCUMENT_REJECTED, problem);
            } else {
                sent.add(i);
                operations.add(actions.toOperation(item));
            }
        }
        if (!operations.isEmpty()) {
            send(items, sent, operations, results);
        }
        return Arrays.asList(results);
    }

    private void send(List<? extends BulkItem> items, List<Integer> sent, List<BulkOperation> operations,
                      BulkItemResult[] results) {
        BulkResponse response;
        try {
            AutoCreateGuard.Target target = guard.check();
            if (target == AutoCreateGuard.Target.MISSING) {
                // What OpenSearch itself answers for a write with require_alias to a missing index: 404, transient.
                sent.forEach(i -> results[i] = BulkItemResult.transientFailure(items.get(i), Reason.INDEX_NOT_FOUND,
                        "404 " + BulkItemClassifier.INDEX_NOT_FOUND + ": " + guard.missingDetail(), 404));
                return;
            }
            Boolean requireAlias = target == AutoCreateGuard.Target.ALIAS ? Boolean.TRUE : null;
            response = client.bulk(b -> b.index(index).requireAlias(requireAlias).operations(operations));
        } catch (IOException | RuntimeException e) {
            // Connection refused, timeout, 429/5xx for the whole request, or a response we could not read.
            sent.forEach(i -> results[i] = classifier.requestFailed(items.get(i), e));
            return;
        }
        List<BulkResponseItem> responseItems = response.items();
        if (responseItems.size() != operations.size()) {
            IllegalStateException mismatch = new IllegalStateException("OpenSearch answered " + responseItems.size()
                    + " items for " + operations.size() + " actions");
            sent.forEach(i -> results[i] = classifier.requestFailed(items.get(i), mismatch));
            return;
        }
        for (int n = 0; n < sent.size(); n++) {
            int i = sent.get(n);
            BulkResponseItem answer = responseItems.get(n);
            results[i] = classifier.classify(items.get(i), answer.status(), answer.result(), answer.error(),
                    storedVersion(answer));
        }
    }

    /** The picture version the document holds, from the two fields the update asked back (BulkActions). */
    private static SourceVersion storedVersion(BulkResponseItem answer) {
        if (answer.get() == null || answer.get().source() == null) {
            return SourceVersion.UNKNOWN;
        }
        Map<String, JsonData> source = answer.get().source();
        return SourceVersion.stored(text(source.get(DocumentFields.IMAGE_SOURCE_SEQUENCER)),
                text(source.get(DocumentFields.IMAGE_SOURCE_MODIFIED)));
    }

    private static String text(JsonData value) {
        if (value == null) {
            return null;
        }
        JsonValue json = value.toJson();
        return json instanceof JsonString string ? string.getString() : null;
    }

    /** Checks OpenSearch would reject for the whole request, or cannot be written as JSON at all. */
    private static String problemWith(BulkItem item) {
        String id = item.documentId();
        if (id.isEmpty()) {
            return "empty document id";
        }
        int idBytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes > DocumentIdResolver.MAX_ID_BYTES) {
            return "document id is " + idBytes + " bytes; OpenSearch allows " + DocumentIdResolver.MAX_ID_BYTES;
        }
        if (item instanceof EmbeddingUpdate update) {
            float[] embedding = update.embedding();
            if (embedding.length == 0) {
                return "empty embedding";
            }
            for (int i = 0; i < embedding.length; i++) {
                if (!Float.isFinite(embedding[i])) {
                    return "embedding component " + i + " is " + embedding[i];
                }
            }
        }
        return null;
    }
}

package io.cis.worker.index;

import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * Turns bulk items into {@code update} actions.
 *
 * <p>An embedding update's partial {@code doc} sets the embedding fields and {@code image_embedding_error: null}.
 * OpenSearch merges the partial document into {@code _source} and does not index nulls, so a previous error is
 * cleared: {@code exists} and {@code term} queries no longer match it, though {@code _source} keeps the key with
 * the value null. This was chosen over a painless script that removes the key because a partial document needs no
 * scripting (Serverless collections and locked-down domains), and keeps {@code detect_noop} (left unset, so
 * OpenSearch's default, true, applies).
 *
 * <p><b>Replays are no-ops.</b> Every field of the partial document depends only on the image and the model:
 * {@code image_embedding_updated_at} is when the embedding was computed (the cache entry's time, whole seconds),
 * not when it is written. So a redelivered message, a re-run backfill or a cache-warm pass sends the same
 * {@code doc} again, and OpenSearch answers {@code "result": "noop"} without re-indexing the document (no new
 * version, no new vector in the HNSW graph). The {@code upsert} document carries {@code image_embedding_error: null}
 * as well: {@code detect_noop} counts a key missing from {@code _source} as a change, so without it the first
 * replay after an upsert would still rewrite the document.
 */
final class BulkActions {

    private final MissingDocumentPolicy missingDocumentPolicy;
    private final int retryOnConflict;

    BulkActions(MissingDocumentPolicy missingDocumentPolicy, int retryOnConflict) {
        this.missingDocumentPolicy = Objects.requireNonNull(missingDocumentPolicy, "missingDocumentPolicy");
        if (retryOnConflict < 0) {
            throw new IllegalArgumentException("retryOnConflict must not be negative, got " + retryOnConflict);
        }
        this.retryOnConflict = retryOnConflict;
    }

    BulkOperation toOperation(BulkItem item) {
        if (item instanceof EmbeddingUpdate update) {
            return embeddingUpdate(update);
        }
        return errorRecord((ErrorRecord) item);
    }

    private BulkOperation embeddingUpdate(EmbeddingUpdate update) {
        JsonObjectBody doc = new JsonObjectBody()
                .put(DocumentFields.IMAGE_EMBEDDING, update.embedding())
                .put(DocumentFields.HAS_IMAGE_EMBEDDING, true)
                .put(DocumentFields.IMAGE_EMBEDDING_MODEL, update.model())
                .put(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT,
                        update.updatedAt().truncatedTo(ChronoUnit.MILLIS).toString())
                .put(DocumentFields.IMAGE_HASH, update.imageHash())
                .putNull(DocumentFields.IMAGE_EMBEDDING_ERROR);
        if (missingDocumentPolicy != MissingDocumentPolicy.UPSERT) {
            return BulkOperation.of(op -> op.update(u -> u
                    .id(update.documentId())
                    .retryOnConflict(retryOnConflict)
                    .document(doc)));
        }
        // A missing document is created from "upsert" as is ("doc" is not applied to it), so it carries the
        // whole "doc" too (see the class comment for the null error), plus where the image lives.
        JsonObjectBody created = new JsonObjectBody().putAll(doc)
                .put(DocumentFields.S3_BUCKET, update.bucket())
                .put(DocumentFields.S3_KEY, update.key())
                .put(DocumentFields.S3_URL, update.s3Url());
        return BulkOperation.of(op -> op.update(u -> u
                .id(update.documentId())
                .retryOnConflict(retryOnConflict)
                .document(doc)
                .upsert(created)));
    }

    private BulkOperation errorRecord(ErrorRecord record) {
        // Never an upsert: see MissingDocumentPolicy.
        JsonObjectBody doc = new JsonObjectBody().put(DocumentFields.IMAGE_EMBEDDING_ERROR, record.reason());
        return BulkOperation.of(op -> op.update(u -> u
                .id(record.documentId())
                .retryOnConflict(retryOnConflict)
                .document(doc)));
    }
}

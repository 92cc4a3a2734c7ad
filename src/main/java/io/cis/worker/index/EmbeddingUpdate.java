package io.cis.worker.index;

import java.time.Instant;
import java.util.Objects;

/**
 * An embedding to write on a document.
 *
 * @param documentId document to update
 * @param bucket     S3 bucket of the image (stored only when the document is created by an upsert)
 * @param key        S3 key of the image, URL-decoded (likewise)
 * @param embedding  the L2-normalised image embedding
 * @param model      name of the model that produced it
 * @param imageHash  MD5 hex of the image bytes
 * @param updatedAt  when the embedding was computed, not when it is written: the pipeline gives whole seconds, the
 *                   cache entry's time, so writing the same embedding again is a no-op (stored with at most
 *                   millisecond precision)
 * @param source     the S3 sequencer and Last-Modified of the picture embedded
 */
public record EmbeddingUpdate(String documentId, String bucket, String key, float[] embedding, String model,
                              String imageHash, Instant updatedAt, SourceVersion source) implements BulkItem {

    public EmbeddingUpdate {
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(imageHash, "imageHash");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(source, "source");
    }

    public String s3Url() {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public String toString() {
        return "EmbeddingUpdate[" + documentId + ", " + s3Url() + ", dimension=" + embedding.length + ", model=" + model
                + ", imageHash=" + imageHash + ", updatedAt=" + updatedAt + ", source=" + source + "]";
    }
}

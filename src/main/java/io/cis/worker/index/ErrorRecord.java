package io.cis.worker.index;

import java.util.Objects;

/**
 * A permanent failure to record on an existing document as {@code image_embedding_error}.
 *
 * @param documentId document to update
 * @param reason     why the image could not be embedded, e.g. {@code corrupt image: ...}
 * @param source     the S3 sequencer and Last-Modified of the picture that failed: a failure of an older picture is
 *                   not recorded over a newer one
 */
public record ErrorRecord(String documentId, String reason, SourceVersion source) implements BulkItem {

    public ErrorRecord {
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(source, "source");
    }
}

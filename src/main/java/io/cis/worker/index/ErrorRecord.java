package io.cis.worker.index;

import java.util.Objects;

/**
 * A permanent failure to record on an existing document as {@code image_embedding_error}.
 *
 * @param documentId document to update
 * @param reason     why the image could not be embedded, e.g. {@code corrupt image: ...}
 */
public record ErrorRecord(String documentId, String reason) implements BulkItem {

    public ErrorRecord {
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(reason, "reason");
    }
}

package io.cis.worker.backfill;

import io.cis.worker.event.S3ObjectRef;
import java.util.Objects;

/**
 * One image a backfill source selected.
 *
 * @param object     where the image is
 * @param documentId the document to update (OpenSearch source), or null to resolve it as the daemon does
 *                   (DOCUMENT_ID_MODE; S3 source)
 * @param knownImage the source already knows it is an image (the operator's BACKFILL_IMAGE_QUERY chose it), so a
 *                   key without an image extension is no reason to skip it
 */
public record BackfillCandidate(S3ObjectRef object, String documentId, boolean knownImage) {

    public BackfillCandidate {
        Objects.requireNonNull(object, "object");
    }

    /** A candidate whose key alone says whether it is an image. */
    public BackfillCandidate(S3ObjectRef object, String documentId) {
        this(object, documentId, false);
    }
}

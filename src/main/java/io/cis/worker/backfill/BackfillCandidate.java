package io.cis.worker.backfill;

import io.cis.worker.event.S3ObjectRef;
import java.util.Objects;

/**
 * One image a backfill source selected.
 *
 * @param object     where the image is
 * @param documentId the document to update (OpenSearch source), or null to resolve it as the daemon does
 *                   (DOCUMENT_ID_MODE; S3 source)
 */
public record BackfillCandidate(S3ObjectRef object, String documentId) {

    public BackfillCandidate {
        Objects.requireNonNull(object, "object");
    }
}

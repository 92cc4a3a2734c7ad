package io.cis.worker.fetch;

import java.time.Instant;

/**
 * What a HEAD says of the object's current version (or of the version the notification named).
 *
 * @param eTag         the entity tag, without quotes; null if S3 gave none
 * @param lastModified Last-Modified; null if S3 gave none
 */
public record ObjectHead(String eTag, Instant lastModified) {

    public ObjectHead {
        eTag = eTag == null ? null : eTag.replace("\"", "");
    }
}

package io.cis.worker.index;

import java.util.Objects;

/**
 * What is known about an S3 object when choosing its document: where it is, and, for the old worker's
 * {@code {"id": ..., "s3_url": ...}} messages, the document id the message names itself.
 *
 * @param bucket     S3 bucket
 * @param key        S3 key, URL-decoded (exactly as stored in S3)
 * @param explicitId document id carried by the message, or null; when present it always wins
 */
public record DocumentRef(String bucket, String key, String explicitId) {

    public DocumentRef {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
    }

    public static DocumentRef of(String bucket, String key) {
        return new DocumentRef(bucket, key, null);
    }

    public String s3Url() {
        return "s3://" + bucket + "/" + key;
    }
}

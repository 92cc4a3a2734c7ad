package io.cis.worker.event;

/**
 * Where an S3 object is, as a notification describes it.
 *
 * @param bucket    bucket name, never blank
 * @param key       the object's real key (already URL-decoded where the notification encoded it), never blank
 * @param versionId version id when the bucket is versioned, otherwise {@code null}
 * @param size      size in bytes when the notification carried it, otherwise {@code null}
 * @param eTag      entity tag when the notification carried it, otherwise {@code null}; without the double quotes
 *                  that ListObjectsV2 and HeadObject put around it (notifications send it bare)
 * @param sequencer the S3 event's {@code sequencer} (hex; a later event of the same key has a greater one), or
 *                  {@code null} when the message carried none (the old worker's messages, the backfill)
 */
public record S3ObjectRef(String bucket, String key, String versionId, Long size, String eTag, String sequencer) {

    public S3ObjectRef {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("bucket must not be blank");
        }
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("key must not be blank (bucket " + bucket + ")");
        }
        if (size != null && size < 0) {
            throw new IllegalArgumentException("size must not be negative, got " + size + " for s3://" + bucket + "/" + key);
        }
        // Notifications send "" or null for "not applicable"; one spelling keeps callers to a single null check.
        versionId = blankToNull(versionId);
        eTag = blankToNull(eTag == null ? null : eTag.replace("\"", ""));
        sequencer = blankToNull(sequencer);
    }

    /** An object as a listing or a HEAD describes it: no event, so no sequencer. */
    public S3ObjectRef(String bucket, String key, String versionId, Long size, String eTag) {
        this(bucket, key, versionId, size, eTag, null);
    }

    /** An object known only by its location (no version, size or eTag). */
    public static S3ObjectRef of(String bucket, String key) {
        return new S3ObjectRef(bucket, key, null, null, null);
    }

    /** {@code s3://bucket/key} with the key as is (not URL-encoded): the form used in logs and stored on documents. */
    public String s3Url() {
        return "s3://" + bucket + "/" + key;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}

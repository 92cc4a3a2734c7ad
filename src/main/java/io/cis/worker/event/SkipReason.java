package io.cis.worker.event;

/** Why a notification record needs no work. A skipped record is settled at once (its message may be deleted). */
public enum SkipReason {
    /** The {@code s3:TestEvent} S3 sends when a notification configuration is saved. */
    TEST_EVENT,
    /** {@code ObjectRemoved:*} or EventBridge "Object Deleted". */
    OBJECT_REMOVED,
    /** Any other event (restore, tagging, lifecycle, replication, SNS subscription handshakes, ...). */
    OTHER_EVENT_TYPE,
    /** The key does not end in an accepted image extension. */
    NOT_AN_IMAGE,
    /** The key is outside every configured prefix. */
    PREFIX_FILTERED;

    /** The reason as logs and metric tags name it: {@code not_an_image}, ... */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

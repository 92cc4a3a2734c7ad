package io.cis.worker.index;

import java.util.Objects;

/**
 * What became of one bulk item.
 *
 * @param item       the item sent
 * @param status     its outcome
 * @param reason     why it failed (OpenSearch's error type and reason, or ours); null when indexed
 * @param httpStatus the item's HTTP status; when the whole request failed, the request's status, or
 *                   {@value #NO_ANSWER} when no HTTP answer came back (refused, timed out, unreadable). A retry
 *                   decides from it whether sending the item again soon can help.
 */
public record BulkItemResult(BulkItem item, Status status, String reason, int httpStatus) {

    /** The request got no HTTP answer at all. */
    public static final int NO_ANSWER = 0;

    public enum Status {
        /** OpenSearch acknowledged the update (including a no-op: the document already had these values). */
        INDEXED,
        /** Sending it again cannot help: e.g. the document rejects the value, or is missing under the FAIL policy. */
        FAILED_PERMANENT,
        /** May succeed later: throttling, an unavailable node, a version conflict, a failed request. */
        FAILED_TRANSIENT
    }

    public BulkItemResult {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(status, "status");
        if ((status == Status.INDEXED) != (reason == null)) {
            throw new IllegalArgumentException(status + " with reason " + reason);
        }
    }

    public static BulkItemResult indexed(BulkItem item) {
        return new BulkItemResult(item, Status.INDEXED, null, 200);
    }

    /** A permanent failure decided without asking OpenSearch (the item was not sent). */
    public static BulkItemResult permanent(BulkItem item, String reason) {
        return new BulkItemResult(item, Status.FAILED_PERMANENT, reason, NO_ANSWER);
    }

    public static BulkItemResult permanent(BulkItem item, String reason, int httpStatus) {
        return new BulkItemResult(item, Status.FAILED_PERMANENT, reason, httpStatus);
    }

    public static BulkItemResult transientFailure(BulkItem item, String reason, int httpStatus) {
        return new BulkItemResult(item, Status.FAILED_TRANSIENT, reason, httpStatus);
    }
}

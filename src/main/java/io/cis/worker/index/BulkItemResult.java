package io.cis.worker.index;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import java.util.Objects;

/**
 * What became of one bulk item.
 *
 * @param item       the item sent
 * @param status     its outcome
 * @param reason     why it failed, as a code; {@link Reason#NONE} when indexed
 * @param detail     the particulars (HTTP status, OpenSearch's error type and reason, or ours); null when indexed
 * @param httpStatus the item's HTTP status; when the whole request failed, the request's status, or
 *                   {@value #NO_ANSWER} when no HTTP answer came back (refused, timed out, unreadable). A retry
 *                   decides from it whether sending the item again soon can help.
 * @param unchanged  OpenSearch found the document already holding these values and wrote nothing (its bulk answer
 *                   {@code "result": "noop"}, e.g. a replayed image); only ever true when indexed
 */
public record BulkItemResult(BulkItem item, Status status, Reason reason, String detail, int httpStatus,
                             boolean unchanged) {

    /** The request got no HTTP answer at all. */
    public static final int NO_ANSWER = 0;

    public enum Status {
        /** OpenSearch acknowledged the update (including a no-op: the document already had these values). */
        INDEXED(Outcome.Kind.INDEXED),
        /** Not written: the document already holds a newer picture of the key (see {@link SourceVersion}). */
        SUPERSEDED(Outcome.Kind.SKIPPED),
        /** Sending it again cannot help: e.g. the document rejects the value, or is missing under the FAIL policy. */
        FAILED_PERMANENT(Outcome.Kind.FAILED_PERMANENT),
        /** May succeed later: throttling, an unavailable node, a version conflict, a failed request. */
        FAILED_TRANSIENT(Outcome.Kind.FAILED_TRANSIENT);

        private final Outcome.Kind kind;

        Status(Outcome.Kind kind) {
            this.kind = kind;
        }
    }

    public BulkItemResult {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        if ((status == Status.INDEXED) != (detail == null) || !reason.allows(status.kind)
                || (unchanged && status != Status.INDEXED)) {
            throw new IllegalArgumentException(status + " with reason " + reason.code() + ", detail " + detail
                    + (unchanged ? ", unchanged" : ""));
        }
    }

    /** Written: the document now holds the values sent ("created" or "updated"). */
    public static BulkItemResult indexed(BulkItem item) {
        return new BulkItemResult(item, Status.INDEXED, Reason.NONE, null, 200, false);
    }

    /** Acknowledged without a write: the document already held these values ("noop"). */
    public static BulkItemResult unchanged(BulkItem item) {
        return new BulkItemResult(item, Status.INDEXED, Reason.NONE, null, 200, true);
    }

    /** Skipped by OpenSearch: the document holds a newer picture; {@code detail} says which version. */
    public static BulkItemResult superseded(BulkItem item, String detail) {
        return new BulkItemResult(item, Status.SUPERSEDED, Reason.SUPERSEDED, detail, 200, false);
    }

    /** A permanent failure decided without asking OpenSearch (the item was not sent). */
    public static BulkItemResult permanent(BulkItem item, Reason reason, String detail) {
        return new BulkItemResult(item, Status.FAILED_PERMANENT, reason, detail, NO_ANSWER, false);
    }

    public static BulkItemResult permanent(BulkItem item, Reason reason, String detail, int httpStatus) {
        return new BulkItemResult(item, Status.FAILED_PERMANENT, reason, detail, httpStatus, false);
    }

    public static BulkItemResult transientFailure(BulkItem item, Reason reason, String detail, int httpStatus) {
        return new BulkItemResult(item, Status.FAILED_TRANSIENT, reason, detail, httpStatus, false);
    }

    /** What this write means for the item that sent it. */
    public Outcome outcome() {
        return status == Status.INDEXED ? Outcome.indexed() : new Outcome(status.kind, reason, detail);
    }
}

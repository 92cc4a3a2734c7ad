package io.cis.worker.event;

import io.cis.worker.core.Reason;
import java.util.Optional;

/** What {@link ObjectFilter} decided for one object. */
public enum FilterDecision {
    /** Process it. */
    ACCEPT(null),
    /** Skip: the bucket is not in the allow-list (S3_BUCKETS). */
    SKIP_BUCKET(Reason.BUCKET_NOT_ALLOWED),
    /** Skip: the key has no accepted image extension. */
    SKIP_NOT_IMAGE(Reason.NOT_AN_IMAGE),
    /** Skip: the key is outside the configured prefixes. */
    SKIP_PREFIX(Reason.PREFIX_FILTERED),
    /** Permanent failure: the notification says the object is over the size limit, so it is never downloaded. */
    TOO_LARGE(null);

    private final Reason skipReason;

    FilterDecision(Reason skipReason) {
        this.skipReason = skipReason;
    }

    /** The skip reason for the skip decisions, so skips are logged and counted in one vocabulary. */
    public Optional<Reason> skipReason() {
        return Optional.ofNullable(skipReason);
    }
}

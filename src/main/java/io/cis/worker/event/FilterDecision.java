package io.cis.worker.event;

import java.util.Optional;

/** What {@link ObjectFilter} decided for one object. */
public enum FilterDecision {
    /** Process it. */
    ACCEPT(null),
    /** Skip: the key has no accepted image extension. */
    SKIP_NOT_IMAGE(SkipReason.NOT_AN_IMAGE),
    /** Skip: the key is outside the configured prefixes. */
    SKIP_PREFIX(SkipReason.PREFIX_FILTERED),
    /** Permanent failure: the notification says the object is over the size limit, so it is never downloaded. */
    TOO_LARGE(null);

    private final SkipReason skipReason;

    FilterDecision(SkipReason skipReason) {
        this.skipReason = skipReason;
    }

    /** The skip reason for the two skip decisions, so skips are logged and counted in one vocabulary. */
    public Optional<SkipReason> skipReason() {
        return Optional.ofNullable(skipReason);
    }
}

package io.cis.worker.fetch;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;

/** Getting the object's bytes failed; {@link #outcome()} is what it means for the item (permanent or transient). */
public final class FetchException extends Exception {

    private final transient Outcome outcome;

    private FetchException(Outcome outcome, Throwable cause) {
        super(outcome.describe(), cause);
        this.outcome = outcome;
    }

    public static FetchException permanent(Reason reason, String detail, Throwable cause) {
        return new FetchException(Outcome.permanent(reason, detail), cause);
    }

    public static FetchException transientFailure(Reason reason, String detail, Throwable cause) {
        return new FetchException(Outcome.transientFailure(reason, detail), cause);
    }

    /** The item's outcome: its reason code and the detail. */
    public Outcome outcome() {
        return outcome;
    }

    /** Whether trying again could not help. */
    public boolean isPermanent() {
        return outcome.kind() == Outcome.Kind.FAILED_PERMANENT;
    }
}

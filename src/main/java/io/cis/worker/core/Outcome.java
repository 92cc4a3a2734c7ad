package io.cis.worker.core;

import java.util.Objects;

/**
 * How one item ended. Every item ends in exactly one outcome, which decides what happens to its message.
 *
 * @param kind   what happens next (the {@code outcome} tag and log field)
 * @param reason why, as a code from a bounded set (the {@code reason} tag and log field)
 * @param detail the particulars in free text (the {@code detail} log field): the key, the error's message; never a
 *               metric tag. Empty when there is nothing to add.
 */
public record Outcome(Kind kind, Reason reason, String detail) {

    public enum Kind {
        /** The document holds the new vector (embedded or from the cache). */
        INDEXED,
        /** Nothing to do: not an image, a test event, a removed object, a filtered prefix. */
        SKIPPED,
        /** Will never succeed (bad image, too large, object gone, document rejected): recorded, then dropped. */
        FAILED_PERMANENT,
        /** Might succeed later (service down, throttled, timeout): the message goes back to the queue. */
        FAILED_TRANSIENT
    }

    private static final Outcome INDEXED_OUTCOME = new Outcome(Kind.INDEXED, Reason.NONE, "");

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        if (!reason.allows(kind)) {
            throw new IllegalArgumentException(reason.code() + " is no reason for " + kind);
        }
        detail = detail == null ? "" : detail;
    }

    public static Outcome indexed() {
        return INDEXED_OUTCOME;
    }

    public static Outcome skipped(Reason reason, String detail) {
        return new Outcome(Kind.SKIPPED, reason, detail);
    }

    public static Outcome permanent(Reason reason, String detail) {
        return new Outcome(Kind.FAILED_PERMANENT, reason, detail);
    }

    public static Outcome transientFailure(Reason reason, String detail) {
        return new Outcome(Kind.FAILED_TRANSIENT, reason, detail);
    }

    /** Whether the message may be deleted on this outcome: all but transient failures are final. */
    public boolean isFinal() {
        return kind != Kind.FAILED_TRANSIENT;
    }

    /** The code and the detail in one line, {@code object_not_found: NoSuchKey}, for a document's error field. */
    public String describe() {
        return detail.isEmpty() ? reason.code() : reason.code() + ": " + detail;
    }
}

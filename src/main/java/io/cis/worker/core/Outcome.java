package io.cis.worker.core;

import java.util.Objects;

/** How one item ended. Every item ends in exactly one outcome, which decides what happens to its message. */
public record Outcome(Kind kind, String reason) {

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

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        reason = reason == null ? "" : reason;
    }

    public static Outcome indexed() {
        return new Outcome(Kind.INDEXED, "");
    }

    public static Outcome skipped(String reason) {
        return new Outcome(Kind.SKIPPED, reason);
    }

    public static Outcome permanent(String reason) {
        return new Outcome(Kind.FAILED_PERMANENT, reason);
    }

    public static Outcome transientFailure(String reason) {
        return new Outcome(Kind.FAILED_TRANSIENT, reason);
    }

    /** Whether the message may be deleted on this outcome: all but transient failures are final. */
    public boolean isFinal() {
        return kind != Kind.FAILED_TRANSIENT;
    }
}

package io.cis.worker.index;

import java.util.OptionalInt;

/** The index exists but cannot hold the worker's embeddings, or could not be created; the message says why. */
public final class IndexSetupException extends RuntimeException {

    /** The HTTP status of the answer that failed the setup, when an answer was the problem; -1 otherwise. */
    private final int status;

    public IndexSetupException(String message) {
        super(message);
        this.status = -1;
    }

    public IndexSetupException(String message, Throwable cause) {
        super(message, cause);
        this.status = -1;
    }

    /** A request of the setup got this unexpected HTTP status (a 503 or 403 is worth another try at start-up). */
    public IndexSetupException(String message, int status) {
        super(message);
        this.status = status;
    }

    public OptionalInt status() {
        return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }
}

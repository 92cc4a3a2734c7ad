package io.cis.worker.index;

/** The index exists but cannot hold the worker's embeddings, or could not be created; the message says why. */
public final class IndexSetupException extends RuntimeException {

    public IndexSetupException(String message) {
        super(message);
    }

    public IndexSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}

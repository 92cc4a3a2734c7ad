package io.cis.worker.embed;

/** Inference itself failed (not the image): the batch is retried or handed back, never recorded as bad input. */
public final class EmbeddingException extends RuntimeException {

    public EmbeddingException(String message) {
        super(message);
    }

    public EmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }
}

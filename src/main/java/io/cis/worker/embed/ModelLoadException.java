package io.cis.worker.embed;

/** The model file is missing, unreadable, not a TorchScript CLIP encoder, or not the one configured. */
public final class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}

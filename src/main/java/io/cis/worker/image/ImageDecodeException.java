package io.cis.worker.image;

/**
 * An image that cannot become a picture: a permanent failure for the item that carries it.
 * {@link #reason()} is machine-readable (metrics, the document's error field); the message says what was wrong.
 */
public final class ImageDecodeException extends Exception {

    /** Why an image was refused. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** Not one of the supported formats, or a variant of one that we do not decode (e.g. floating-point TIFF). */
        UNSUPPORTED_FORMAT,
        /** The bytes claim a supported format but are broken. */
        CORRUPT,
        /** The data ends before the picture does. */
        TRUNCATED,
        /** The declared dimensions exceed the configured limits (decompression-bomb guard). */
        TOO_LARGE
    }

    private final Reason reason;

    public ImageDecodeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ImageDecodeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

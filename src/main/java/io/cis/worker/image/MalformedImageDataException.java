package io.cis.worker.image;

/**
 * Image data a streaming decoder refuses, as the C library it stands in for would; the caller then hands the bytes
 * to the decoder that reports why. Without a stack trace: it is an expected outcome, not a bug.
 */
final class MalformedImageDataException extends Exception {

    MalformedImageDataException(String message) {
        super(message, null, false, false);
    }
}

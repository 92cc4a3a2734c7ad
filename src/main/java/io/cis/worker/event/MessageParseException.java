package io.cis.worker.event;

/**
 * A message body the worker cannot understand. Retrying cannot fix it, so the caller treats it as a permanent
 * failure. The message says what was wrong and where (e.g. {@code Records[1].s3.object.key is missing}).
 */
public class MessageParseException extends Exception {

    public MessageParseException(String message) {
        super(message);
    }

    public MessageParseException(String message, Throwable cause) {
        super(message, cause);
    }
}

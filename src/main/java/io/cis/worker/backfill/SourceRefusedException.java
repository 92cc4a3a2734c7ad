package io.cis.worker.backfill;

import io.cis.worker.core.Reason;
import java.io.IOException;

/** The source cannot be read and trying again will not change that (e.g. the bucket belongs to another account). */
public final class SourceRefusedException extends IOException {

    private final transient Reason reason;

    public SourceRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The code for the log line that ends the selection. */
    public Reason reason() {
        return reason;
    }
}

package io.cis.worker.fetch;

/** Getting the object's bytes failed; {@link #isPermanent()} says whether trying again could help. */
public final class FetchException extends Exception {

    private final boolean permanent;

    private FetchException(String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
    }

    public static FetchException permanent(String message, Throwable cause) {
        return new FetchException(message, true, cause);
    }

    public static FetchException transientFailure(String message, Throwable cause) {
        return new FetchException(message, false, cause);
    }

    public boolean isPermanent() {
        return permanent;
    }
}

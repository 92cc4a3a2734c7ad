package io.cis.worker.retry;

import io.cis.worker.core.Reason;
import java.util.Objects;

/**
 * What a failed start-up check means for the wait: try again ({@link Kind#TRANSIENT}), try again for a bounded time
 * ({@link Kind#ACCESS_DENIED}) or stop ({@link Kind#PERMANENT}). Each dependency's own classifier decides it from the
 * exception alone, so every rule is unit-tested without servers.
 *
 * @param reason the reason code of the start-up log line and of the attempts metric
 * @param detail the particulars in free text (status, error code, the service's message)
 */
public record StartupFailure(Kind kind, Reason reason, String detail) {

    public enum Kind {
        /** Unreachable, a timeout, DNS, 5xx, throttling: it passes with time, so it is waited out. */
        TRANSIENT,
        /**
         * 401/403 or no credentials yet: a new instance role can take minutes to reach every service, so it is
         * retried, but only for a bounded time; then it is a configuration mistake.
         */
        ACCESS_DENIED,
        /** No retry can fix it: the queue does not exist, the index mapping conflicts, the model does not match. */
        PERMANENT
    }

    public StartupFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        detail = detail == null ? "" : detail;
    }

    public static StartupFailure transientFailure(Reason reason, String detail) {
        return new StartupFailure(Kind.TRANSIENT, reason, detail);
    }

    public static StartupFailure accessDenied(Reason reason, String detail) {
        return new StartupFailure(Kind.ACCESS_DENIED, reason, detail);
    }

    public static StartupFailure permanent(Reason reason, String detail) {
        return new StartupFailure(Kind.PERMANENT, reason, detail);
    }

    /**
     * Whether the SDK found no credentials at all ("Unable to load credentials from any of the providers in the
     * chain"): at boot the instance profile's credentials may not be served yet, which is the same wait as a role
     * that has not propagated. Read from the message because the SDK gives this case no type of its own.
     */
    public static boolean isMissingCredentials(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains("Unable to load credentials")) {
                return true;
            }
        }
        return false;
    }

    /** The exception's class and message, and its cause's: what the log and the problem list show. */
    public static String describe(Throwable failure) {
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        Throwable cause = failure.getCause();
        return cause == null || cause == failure ? text
                : text + " (caused by " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    }
}

package io.cis.worker.index;

import io.cis.worker.core.Reason;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.transport.httpclient5.ResponseException;

/** Turns OpenSearch errors into the one-line reasons that end up in logs and on documents, and into reason codes. */
public final class OpenSearchErrors {

    private OpenSearchErrors() {
    }

    /** {@code type: reason (caused by type: reason)}, the most specific text OpenSearch gave. */
    static String describe(ErrorCause error) {
        if (error == null) {
            return "no error details";
        }
        StringBuilder text = new StringBuilder();
        text.append(error.type()).append(": ").append(error.reason());
        for (ErrorCause cause = error.causedBy(); cause != null; cause = cause.causedBy()) {
            text.append(" (caused by ").append(cause.type()).append(": ").append(cause.reason()).append(')');
        }
        return text.toString();
    }

    /** An OpenSearch error response with its status, or the exception's class and message (and its cause's). */
    static String describe(Exception failure) {
        if (failure instanceof OpenSearchException e) {
            return "status " + e.status() + ", " + describe(e.error());
        }
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        Throwable cause = failure.getCause();
        return cause == null || cause == failure ? text
                : text + " (caused by " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    }

    /** The reason code of a failed OpenSearch request, from its HTTP status ({@link Reason#INDEX_UNREACHABLE}: none). */
    public static Reason reasonOf(Exception failure) {
        if (failure instanceof OpenSearchException e && BulkItemClassifier.cannotTakeWrites(e.error())) {
            return Reason.INDEX_NOT_WRITABLE;
        }
        return BulkItemClassifier.transientReason(statusOf(failure));
    }

    /** The HTTP status of a failed request, or {@link BulkItemResult#NO_ANSWER} if none came back. */
    static int statusOf(Exception failure) {
        if (failure instanceof OpenSearchException e) {
            return e.status();
        }
        if (failure instanceof ResponseException e) {
            return e.status();
        }
        return BulkItemResult.NO_ANSWER;
    }
}

package io.cis.worker.index;

import java.util.List;

/**
 * Which failed bulk items are worth sending again at once, and when a whole answer means the service is down.
 * Pure: decided from the results alone.
 *
 * <p>Re-sent: transient failures that pass with time: no answer at all (connection refused, timeout, unreadable
 * response), 408, 429 (rejected execution, circuit breakers), every 5xx, and 409 (a version conflict still left after
 * {@code retry_on_conflict}: another writer was busy with the document). Not re-sent: permanent failures (400 mapping
 * errors and the like) and the transient failures an operator has to fix (401/403, a missing index, a document the
 * RETRY policy waits for): those go back to the queue and are redelivered after the visibility timeout.
 */
public final class BulkRetryDecision {

    private BulkRetryDecision() {
    }

    public static boolean worthResending(BulkItemResult result) {
        if (result.status() != BulkItemResult.Status.FAILED_TRANSIENT) {
            return false;
        }
        int status = result.httpStatus();
        return status == BulkItemResult.NO_ANSWER || status == 408 || status == 409 || isOverloaded(status);
    }

    /**
     * Whether an attempt's results say the service itself is down or overloaded: every item that was sent failed
     * without an answer or with 429/5xx. One good item, or an ordinary item error, shows the service is working.
     */
    public static boolean serviceUnavailable(List<BulkItemResult> results) {
        boolean anySent = false;
        for (BulkItemResult result : results) {
            boolean notSent = result.status() == BulkItemResult.Status.FAILED_PERMANENT
                    && result.httpStatus() == BulkItemResult.NO_ANSWER;
            if (notSent) {
                continue;
            }
            anySent = true;
            boolean down = result.status() == BulkItemResult.Status.FAILED_TRANSIENT
                    && (result.httpStatus() == BulkItemResult.NO_ANSWER || isOverloaded(result.httpStatus()));
            if (!down) {
                return false;
            }
        }
        return anySent;
    }

    private static boolean isOverloaded(int status) {
        return status == 429 || status >= 500;
    }
}

package io.cis.worker.index;

import io.cis.worker.core.Reason;
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
     * without an answer or with 429/5xx, or because the index cannot take writes (missing, closed, an alias without
     * a write index). One good item, or an ordinary item error, shows the service is working.
     *
     * <p>An index that cannot take writes counts as an outage although OpenSearch answers: every message received
     * meanwhile can only fail the same way and walk towards the dead-letter queue, so receiving must pause until an
     * operator has fixed the index, exactly as when OpenSearch is down.
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
                    && (result.httpStatus() == BulkItemResult.NO_ANSWER || isOverloaded(result.httpStatus())
                    || indexCannotTakeWrites(result.reason()));
            if (!down) {
                return false;
            }
        }
        return anySent;
    }

    /** The failures that mean the index itself cannot take writes now, whatever the item. */
    public static boolean indexCannotTakeWrites(Reason reason) {
        return reason == Reason.INDEX_NOT_WRITABLE || reason == Reason.INDEX_NOT_FOUND;
    }

    private static boolean isOverloaded(int status) {
        return status == 429 || status >= 500;
    }
}

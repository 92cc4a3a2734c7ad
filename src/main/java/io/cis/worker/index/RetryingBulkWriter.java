package io.cis.worker.index;

import io.cis.worker.core.Reason;
import io.cis.worker.core.ServiceHealthListener;
import io.github.resilience4j.retry.Retry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sends a bulk and re-sends only the items {@link BulkRetryDecision} says may pass on another try, with backoff, up
 * to the retry policy's attempts. Items that succeeded or failed for good are not sent again. What is still failing
 * after the last attempt keeps its transient result, so its message is not deleted.
 *
 * <p>After the last attempt it tells the health listener whether OpenSearch answered, which is how receiving pauses
 * during an outage instead of cycling messages towards the dead-letter queue.
 */
public final class RetryingBulkWriter implements BulkWriter {

    private final BulkWriter delegate;
    private final Retry retry;
    private final ServiceHealthListener health;

    /**
     * @param retry built with a result predicate that retries while the attempt returns a non-empty list (the
     *              positions still worth re-sending); see {@link #retryWhilePending}
     */
    public RetryingBulkWriter(BulkWriter delegate, Retry retry, ServiceHealthListener health) {
        this.delegate = delegate;
        this.retry = retry;
        this.health = health;
    }

    /** The result predicate the retry must use: another attempt while positions are left to re-send. */
    public static boolean retryWhilePending(List<Integer> positionsToResend) {
        return !positionsToResend.isEmpty();
    }

    @Override
    public List<BulkItemResult> index(List<? extends BulkItem> items) {
        BulkItemResult[] results = new BulkItemResult[items.size()];
        Attempts attempts = new Attempts(items, results);
        if (!items.isEmpty()) {
            retry.executeSupplier(attempts::next);
            if (attempts.lastSaidUnavailable) {
                BulkItemResult last = attempts.lastFailure;
                health.unavailable(last == null ? Reason.INDEX_UNAVAILABLE : last.reason(), last == null ? "" : last.detail());
            } else {
                health.answered();
            }
        }
        return Arrays.asList(results);
    }

    /** One call per attempt: sends what is pending, records the answers, returns the positions to send again. */
    private final class Attempts {
        private final List<? extends BulkItem> items;
        private final BulkItemResult[] results;
        private List<Integer> pending;
        private boolean lastSaidUnavailable;
        private BulkItemResult lastFailure;

        Attempts(List<? extends BulkItem> items, BulkItemResult[] results) {
            this.items = items;
            this.results = results;
            this.pending = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                pending.add(i);
            }
        }

        List<Integer> next() {
            List<BulkItem> batch = new ArrayList<>(pending.size());
            pending.forEach(i -> batch.add(items.get(i)));
            List<BulkItemResult> answers = delegate.index(batch);
            List<Integer> again = new ArrayList<>();
            lastFailure = null;
            for (int n = 0; n < answers.size(); n++) {
                int position = pending.get(n);
                results[position] = answers.get(n);
                if (BulkRetryDecision.worthResending(answers.get(n))) {
                    again.add(position);
                }
                // The gate's log line gives this failure's reason: also one not re-sent (a closed or missing index).
                if (lastFailure == null && answers.get(n).status() == BulkItemResult.Status.FAILED_TRANSIENT) {
                    lastFailure = answers.get(n);
                }
            }
            lastSaidUnavailable = BulkRetryDecision.serviceUnavailable(answers);
            pending = again;
            return again;
        }
    }
}

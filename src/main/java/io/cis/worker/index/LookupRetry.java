package io.cis.worker.index;

import io.cis.worker.core.ServiceHealthListener;
import io.github.resilience4j.retry.Retry;
import java.io.IOException;
import java.util.Objects;
import org.opensearch.client.opensearch._types.OpenSearchException;

/**
 * Runs the lookup search of {@code DOCUMENT_ID_MODE=lookup} the way {@link RetryingBulkWriter} runs a bulk: retried
 * with backoff while OpenSearch gives no answer or only 408/429/5xx, and, after the last attempt, the health listener
 * told whether OpenSearch answered.
 *
 * <p>Why: in lookup mode the search comes before the bulk, so during an outage it is the search that fails and the
 * bulk writer is never reached. Without this the receive gate stayed open, every message received failed with
 * {@code document_lookup_failed}, and after maxReceiveCount receives it was in the dead-letter queue.
 */
public final class LookupRetry {

    /** One attempt, nobody told: for tests and tools that want the bare search. */
    public static final LookupRetry NONE = new LookupRetry(null, null);

    /** A search call, as the OpenSearch client makes it. */
    @FunctionalInterface
    public interface Search<T> {
        T call() throws IOException;
    }

    private final Retry retry;
    private final ServiceHealthListener health;

    /**
     * @param retry  built with {@link #worthRetrying} as its exception predicate (see Retries.onExceptions)
     * @param health told after the last attempt whether OpenSearch answered (the OpenSearch outage gate)
     */
    public LookupRetry(Retry retry, ServiceHealthListener health) {
        this.retry = retry;
        this.health = health;
    }

    public static LookupRetry of(Retry retry, ServiceHealthListener health) {
        return new LookupRetry(Objects.requireNonNull(retry, "retry"), Objects.requireNonNull(health, "health"));
    }

    <T> T run(Search<T> search) throws IOException {
        if (retry == null) {
            return search.call();
        }
        T result;
        try {
            result = retry.executeCheckedSupplier(search::call);
        } catch (IOException | RuntimeException e) {
            if (serviceUnavailable(e)) {
                health.unavailable(OpenSearchErrors.reasonOf(e), "lookup search failed: " + OpenSearchErrors.describe(e));
            } else {
                health.answered();
            }
            throw e;
        } catch (Throwable e) {
            // executeCheckedSupplier declares Throwable; an Error is not ours to handle here.
            if (e instanceof Error error) {
                throw error;
            }
            throw new IOException(e);
        }
        health.answered();
        return result;
    }

    /** Worth another attempt soon: no answer at all, 408, 429 or 5xx (as for a bulk item). */
    public static boolean worthRetrying(Throwable failure) {
        if (!(failure instanceof Exception e)) {
            return false;
        }
        int status = OpenSearchErrors.statusOf(e);
        return status == BulkItemResult.NO_ANSWER || status == 408 || status == 429 || status >= 500;
    }

    /**
     * The failure says OpenSearch, or the index, cannot serve anyone now: no answer, 429/5xx, or the index is
     * missing or closed. Any other error (a 400 for the query) means OpenSearch is answering.
     */
    static boolean serviceUnavailable(Exception failure) {
        int status = OpenSearchErrors.statusOf(failure);
        if (status == BulkItemResult.NO_ANSWER || status == 429 || status >= 500) {
            return true;
        }
        if (failure instanceof OpenSearchException e && e.error() != null) {
            return BulkItemClassifier.INDEX_NOT_FOUND.equals(e.error().type())
                    || BulkItemClassifier.cannotTakeWrites(e.error());
        }
        return false;
    }
}

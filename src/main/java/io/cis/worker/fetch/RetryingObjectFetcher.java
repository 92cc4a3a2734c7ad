package io.cis.worker.fetch;

import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.github.resilience4j.retry.Retry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Retries a fetch or a HEAD with backoff when {@link FetchRetryDecision} says it may pass (5xx, throttling, timeouts), up to
 * the retry policy's attempts. When they run out, the last failure is thrown as it was (still transient), so the
 * item fails transiently and its message is not deleted.
 */
public final class RetryingObjectFetcher implements ObjectFetcher {

    private final ObjectFetcher delegate;
    private final Retry retry;

    /** @param retry built with {@link FetchRetryDecision#worthRetrying} as its exception predicate */
    public RetryingObjectFetcher(ObjectFetcher delegate, Retry retry) {
        this.delegate = delegate;
        this.retry = retry;
    }

    @Override
    public FetchedObject fetch(S3ObjectRef object) throws FetchException {
        return withRetries(() -> delegate.fetch(object));
    }

    @Override
    public ObjectHead head(S3ObjectRef object) throws FetchException {
        return withRetries(() -> delegate.head(object));
    }

    /** One S3 call of the delegate's. */
    private interface S3Call<T> {
        T call() throws FetchException;
    }

    private <T> T withRetries(S3Call<T> s3Call) throws FetchException {
        AtomicInteger attempts = new AtomicInteger();
        try {
            return retry.executeCheckedSupplier(() -> {
                attempts.incrementAndGet();
                return s3Call.call();
            });
        } catch (FetchException e) {
            if (attempts.get() > 1 && !e.isPermanent()) {
                throw FetchException.transientFailure(e.outcome().reason(),
                        e.outcome().detail() + " (after " + attempts.get() + " attempts)", e.getCause());
            }
            throw e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw FetchException.transientFailure(Reason.FETCH_ERROR, e.toString(), e); // the delegate throws nothing else
        }
    }
}

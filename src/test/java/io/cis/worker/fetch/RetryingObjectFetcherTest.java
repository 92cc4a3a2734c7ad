package io.cis.worker.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.retry.Retries;
import io.cis.worker.retry.RetryPolicy;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The decorator with resilience4j doing the loop; waits of a few milliseconds, so the tests barely sleep. */
class RetryingObjectFetcherTest {

    private static final S3ObjectRef OBJECT = new S3ObjectRef("bucket", "a/cat.jpg", null, 10L, null);
    private static final FetchedObject FETCHED = new FetchedObject(new byte[] {1, 2, 3}, "5289df737df57326fcdd22597afb1fac", null);
    private static final ObjectHead HEAD = new ObjectHead("5289df737df57326fcdd22597afb1fac", Instant.parse("2026-12-06T09:00:00Z"));

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final List<Long> waits = new ArrayList<>();

    /** A fetcher that fails as scripted, then succeeds. */
    private static final class ScriptedFetcher implements ObjectFetcher {
        final Deque<FetchException> failures = new ArrayDeque<>();
        int calls;

        @Override
        public FetchedObject fetch(S3ObjectRef object) throws FetchException {
            failIfScripted();
            return FETCHED;
        }

        @Override
        public ObjectHead head(S3ObjectRef object) throws FetchException {
            failIfScripted();
            return HEAD;
        }

        private void failIfScripted() throws FetchException {
            calls++;
            FetchException next = failures.poll();
            if (next != null) {
                throw next;
            }
        }
    }

    private RetryingObjectFetcher retrying(ScriptedFetcher delegate, int maxAttempts) {
        // Initial 2 ms doubling to 8 ms, jitter 0: waits of 1, 2, 4, 4 ms.
        Retry retry = Retries.onExceptions("s3_get", new RetryPolicy(maxAttempts, Duration.ofMillis(2), Duration.ofMillis(8)),
                FetchRetryDecision::worthRetrying, () -> 0.0, metrics);
        retry.getEventPublisher().onRetry(e -> waits.add(e.getWaitInterval().toMillis()));
        return new RetryingObjectFetcher(delegate, retry);
    }

    @Test
    void throttlingIsRetriedWithBackoffUntilTheGetSucceeds() throws FetchException {
        ScriptedFetcher s3 = new ScriptedFetcher();
        s3.failures.add(S3ObjectFetcher.classify(s3Error(503, "SlowDown")));
        s3.failures.add(S3ObjectFetcher.classify(s3Error(500, "InternalError")));

        assertSame(FETCHED, retrying(s3, 5).fetch(OBJECT));
        assertEquals(3, s3.calls);
        assertEquals(List.of(1L, 2L), waits);
        assertEquals(2.0, metrics.get(MetricNames.RETRIES).tag(MetricNames.TAG_OPERATION, "s3_get").counter().count());
    }

    @Test
    void aHeadIsRetriedLikeAGet() throws FetchException {
        ScriptedFetcher s3 = new ScriptedFetcher();
        s3.failures.add(S3ObjectFetcher.classify(s3Error(503, "SlowDown")));

        assertSame(HEAD, retrying(s3, 5).head(OBJECT));
        assertEquals(2, s3.calls);
        assertEquals(List.of(1L), waits);
    }

    @Test
    void whenTheAttemptsRunOutTheFailureStaysTransient() {
        ScriptedFetcher s3 = new ScriptedFetcher();
        for (int i = 0; i < 10; i++) {
            s3.failures.add(S3ObjectFetcher.classify(s3Error(503, "SlowDown")));
        }
        FetchException e = assertThrows(FetchException.class, () -> retrying(s3, 4).fetch(OBJECT));
        assertFalse(e.isPermanent());
        assertEquals("s3_error: HTTP 503 SlowDown (after 4 attempts)", e.getMessage());
        assertEquals(4, s3.calls);
        assertEquals(List.of(1L, 2L, 4L), waits);
    }

    @Test
    void aMissingObjectIsNotRetried() {
        ScriptedFetcher s3 = new ScriptedFetcher();
        s3.failures.add(S3ObjectFetcher.classify(s3Error(404, "NoSuchKey")));
        FetchException e = assertThrows(FetchException.class, () -> retrying(s3, 5).fetch(OBJECT));
        assertTrue(e.isPermanent());
        assertEquals("object_not_found: NoSuchKey", e.getMessage());
        assertEquals(1, s3.calls);
        assertTrue(waits.isEmpty());
    }

    @Test
    void accessDeniedGoesBackToTheQueueWithoutRetrying() {
        ScriptedFetcher s3 = new ScriptedFetcher();
        s3.failures.add(S3ObjectFetcher.classify(s3Error(403, "AccessDenied")));
        FetchException e = assertThrows(FetchException.class, () -> retrying(s3, 5).fetch(OBJECT));
        assertFalse(e.isPermanent());
        assertEquals(1, s3.calls);
    }

    private static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}

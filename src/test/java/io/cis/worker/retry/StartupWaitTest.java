package io.cis.worker.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import io.cis.worker.ops.HealthState;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The start-up wait with a clock moved by the pauses: no sleeping, no servers. */
class StartupWaitTest {

    private static final Duration NO_CAP_DENIED_WAIT = Duration.ofMinutes(5);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final HealthState health = new HealthState();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final List<Duration> pauses = new ArrayList<>();
    private final List<String> healthWhilePaused = new ArrayList<>();

    /** Records each pause, advances the clock by it and goes on (no stop requested). */
    private final StartupWait.Pause pause = duration -> {
        pauses.add(duration);
        healthWhilePaused.add((health.isReady() ? "ready" : "not ready") + ": " + health.notReadyBecause());
        clock.advance(duration);
        return true;
    };

    private StartupWait waitWith(StartupWait.Limits limits, StartupWait.Pause pause) {
        return new StartupWait(limits, StartupWait.defaultBackoff(), clock, pause, () -> 0.5, health, metrics);
    }

    private StartupWait noCap() {
        return waitWith(new StartupWait.Limits(Optional.empty(), NO_CAP_DENIED_WAIT), pause);
    }

    /** A check that fails {@code failures} times with {@code failure}, then passes; counts its calls. */
    private static StartupWait.Dependency failingFirst(String service, int failures, Exception failure,
                                                       StartupFailure verdict, AtomicInteger calls) {
        return new StartupWait.Dependency(service, "http://" + service, service + ":Permission", () -> {
            if (calls.incrementAndGet() <= failures) {
                throw failure;
            }
        }, e -> verdict);
    }

    private double attempts(String service, Reason reason) {
        var counter = metrics.find(MetricNames.STARTUP_ATTEMPTS).tag(MetricNames.TAG_SERVICE, service)
                .tag(MetricNames.TAG_REASON, reason.code()).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aTransientFailureIsWaitedOutWithCappedBackoffForAsLongAsItTakes() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        StartupFailure unreachable = StartupFailure.transientFailure(Reason.INDEX_UNREACHABLE, "Connection refused");
        StartupWait.Result result = noCap().await(List.of(
                failingFirst("opensearch", 40, new ConnectException("Connection refused"), unreachable, calls)));

        assertEquals(StartupWait.Status.READY, result.status());
        assertEquals(41, calls.get());
        assertEquals(40, pauses.size());
        // 1 s doubling to the 15 s cap, "equal jitter" at 0.5: 0.75, 1.5, 3, 6, 11.25 (cap), 11.25, ...
        assertEquals(List.of(750L, 1500L, 3000L, 6000L, 11250L, 11250L),
                pauses.subList(0, 6).stream().map(Duration::toMillis).toList());
        assertTrue(pauses.stream().allMatch(d -> d.compareTo(StartupWait.MAX_BACKOFF) <= 0), pauses::toString);
        // Far beyond the old give-up window (and any attempt count): still waiting, then ready.
        assertTrue(Duration.between(Instant.parse("2026-01-01T00:00:00Z"), clock.instant()).toMinutes() >= 6);
        assertEquals(40, attempts("opensearch", Reason.INDEX_UNREACHABLE));
        assertEquals(1, attempts("opensearch", Reason.NONE));
        assertTrue(healthWhilePaused.stream().allMatch(h -> h.equals(
                "not ready: waiting for opensearch (http://opensearch, index_unreachable)")), healthWhilePaused::toString);
    }

    @Test
    void onlyTheChecksThatFailedAreTriedAgainAndEveryOneIsNamedWhileWaiting() throws InterruptedException {
        AtomicInteger model = new AtomicInteger();
        AtomicInteger index = new AtomicInteger();
        AtomicInteger queue = new AtomicInteger();
        StartupWait.Result result = noCap().await(List.of(
                failingFirst("model", 0, null, null, model),
                failingFirst("opensearch", 3, new IOException("refused"),
                        StartupFailure.transientFailure(Reason.INDEX_UNREACHABLE, "refused"), index),
                failingFirst("sqs", 1, new IOException("refused"),
                        StartupFailure.transientFailure(Reason.SQS_UNREACHABLE, "refused"), queue)));

        assertEquals(StartupWait.Status.READY, result.status());
        assertEquals(List.of(1, 4, 2), List.of(model.get(), index.get(), queue.get()));
        assertEquals("not ready: waiting for opensearch (http://opensearch, index_unreachable), "
                + "sqs (http://sqs, sqs_unreachable)", healthWhilePaused.get(0));
        assertEquals("not ready: waiting for opensearch (http://opensearch, index_unreachable)", healthWhilePaused.get(1));
        assertFalse(health.isReady(), "ready is the daemon's to say, once the queue is read");
        assertEquals("starting", health.notReadyBecause(), "no longer waiting");
    }

    @Test
    void aPermanentFailureStopsAfterTheFirstRoundListingEveryProblem() throws InterruptedException {
        AtomicInteger queue = new AtomicInteger();
        AtomicInteger index = new AtomicInteger();
        StartupWait.Result result = noCap().await(List.of(
                failingFirst("opensearch", 100, new IOException("refused"),
                        StartupFailure.transientFailure(Reason.INDEX_UNREACHABLE, "Connection refused"), index),
                failingFirst("sqs", 100, new IllegalStateException("no such queue"),
                        StartupFailure.permanent(Reason.QUEUE_NOT_FOUND, "QueueDoesNotExist"), queue)));

        assertEquals(StartupWait.Status.MISCONFIGURED, result.status());
        assertEquals(List.of(), pauses, "no wait at all");
        assertEquals(List.of(1, 1), List.of(index.get(), queue.get()));
        assertEquals(List.of("opensearch http://opensearch: Connection refused", "sqs http://sqs: QueueDoesNotExist"),
                result.problems());
    }

    @Test
    void accessDeniedIsRetriedForTheBoundedTimeThenNamesThePermission() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        StartupWait wait = waitWith(new StartupWait.Limits(Optional.empty(), Duration.ofSeconds(60)), pause);
        StartupWait.Result result = wait.await(List.of(failingFirst("sqs", 1000, new IllegalStateException("403"),
                StartupFailure.accessDenied(Reason.SQS_ACCESS_DENIED, "AccessDenied"), calls)));

        assertEquals(StartupWait.Status.MISCONFIGURED, result.status());
        long waited = pauses.stream().mapToLong(Duration::toMillis).sum();
        assertEquals(60_000, waited, "the last attempt comes exactly when the window closes: " + pauses);
        assertTrue(calls.get() > 5, "retried meanwhile: " + calls.get());
        assertEquals(List.of("sqs http://sqs: AccessDenied [access denied for 60 s; the worker needs sqs:Permission]"),
                result.problems());
    }

    @Test
    void accessDeniedThatClearsUpInTimeIsFine() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        StartupWait wait = waitWith(new StartupWait.Limits(Optional.empty(), Duration.ofSeconds(60)), pause);
        StartupWait.Result result = wait.await(List.of(failingFirst("sqs", 4, new IllegalStateException("403"),
                StartupFailure.accessDenied(Reason.SQS_ACCESS_DENIED, "AccessDenied"), calls)));

        assertEquals(StartupWait.Status.READY, result.status());
        assertEquals(5, calls.get());
    }

    @Test
    void theMaxWaitCapsTransientWaits() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        StartupWait wait = waitWith(new StartupWait.Limits(Optional.of(Duration.ofSeconds(100)), NO_CAP_DENIED_WAIT), pause);
        StartupWait.Result result = wait.await(List.of(failingFirst("opensearch", 1000, new IOException("refused"),
                StartupFailure.transientFailure(Reason.INDEX_UNAVAILABLE, "status 503"), calls)));

        assertEquals(StartupWait.Status.GAVE_UP, result.status());
        assertEquals(100_000, pauses.stream().mapToLong(Duration::toMillis).sum());
        assertEquals(List.of("opensearch http://opensearch: status 503 [still index_unavailable after " + calls.get()
                + " attempt(s)]"), result.problems());
    }

    @Test
    void oneRoundNeverWaits() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        StartupWait.Result result = waitWith(StartupWait.Limits.ONE_ROUND, pause).await(List.of(
                failingFirst("opensearch", 1, new IOException("refused"),
                        StartupFailure.transientFailure(Reason.INDEX_UNREACHABLE, "refused"), calls)));

        assertEquals(StartupWait.Status.GAVE_UP, result.status());
        assertEquals(1, calls.get());
        assertEquals(List.of(), pauses);
    }

    @Test
    void aStopDuringTheWaitEndsItAtOnce() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger pausesTaken = new AtomicInteger();
        StartupWait.Pause stopOnThirdPause = duration -> pausesTaken.incrementAndGet() < 3;
        StartupWait.Result result = waitWith(new StartupWait.Limits(Optional.empty(), NO_CAP_DENIED_WAIT), stopOnThirdPause)
                .await(List.of(failingFirst("opensearch", 1000, new IOException("refused"),
                        StartupFailure.transientFailure(Reason.INDEX_UNREACHABLE, "refused"), calls)));

        assertEquals(StartupWait.Status.STOPPED, result.status());
        assertEquals(3, calls.get(), "no attempt after the stop");
    }

    @Test
    void aClassifierThatThrowsCountsAsPermanent() throws InterruptedException {
        StartupWait.Result result = noCap().await(List.of(new StartupWait.Dependency("opensearch", "http://opensearch", "",
                () -> {
                    throw new IOException("refused");
                }, e -> {
                    throw new IllegalStateException("bug");
                })));
        assertEquals(StartupWait.Status.MISCONFIGURED, result.status());
        assertEquals(List.of(), pauses);
    }
}

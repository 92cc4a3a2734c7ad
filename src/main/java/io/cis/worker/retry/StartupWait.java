package io.cis.worker.retry;

import io.cis.worker.core.Reason;
import io.cis.worker.ops.HealthState;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The start-up checks of the services the worker needs, tried until every one answers: a worker that boots during an
 * OpenSearch blue/green update, before a VPC endpoint resolves or while DynamoDB throttles waits (not ready) instead
 * of exiting, since a supervisor's restart limit would otherwise leave it failed for good.
 *
 * <p>The checks run in rounds: every check that has not passed yet is tried once per round, so one unreachable
 * service does not hide the problems of the others, and every problem is listed at once. After a round:
 * <ul>
 *   <li>every check passed: ready;</li>
 *   <li>a {@link StartupFailure.Kind#PERMANENT} failure: stop now (no retry can fix it);</li>
 *   <li>access denied for longer than {@link Limits#accessDeniedWait()}: stop (a role that has not propagated by
 *       then is a configuration mistake);</li>
 *   <li>otherwise wait (capped exponential backoff with jitter, {@link RetryPolicy}) and try the rest again, for as
 *       long as it takes unless {@link Limits#maxWait()} caps it. The {@link Pause} ends the wait early on a stop.</li>
 * </ul>
 * Each failed attempt is logged once (service, endpoint, reason, next attempt) and counted
 * ({@value MetricNames#STARTUP_ATTEMPTS}, tagged with service and reason); /health/ready names what is waited for.
 *
 * <p>resilience4j's Retry is not used for the loop: it counts attempts, while this wait is bounded by time per kind
 * of failure, runs several checks per round, and must end the moment SIGTERM comes; the schedule is the same
 * {@link RetryPolicy} the item retries use.
 */
public final class StartupWait {

    private static final Logger log = LoggerFactory.getLogger(StartupWait.class);

    /** The first wait; doubled per round up to {@link #MAX_BACKOFF}, with jitter. */
    public static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
    /** The longest wait between attempts: a service that is back is noticed within this, plus the attempt. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(15);

    /** One start-up check: returns if the service answers as needed, throws what went wrong otherwise. */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    /** Waits between rounds; returns false if a stop was requested meanwhile (the wait then ends at once). */
    @FunctionalInterface
    public interface Pause {
        boolean pause(Duration duration) throws InterruptedException;

        Pause SLEEP = duration -> {
            Thread.sleep(duration.toMillis());
            return true;
        };
    }

    /**
     * @param service    short name for logs, metrics and /health/ready: opensearch, sqs, model, dynamodb
     * @param endpoint   what is checked: a URL, a queue URL, a file
     * @param permission what an access-denied answer means is missing (named when the wait gives up)
     * @param classifier what a failure of this check means; should not throw
     */
    public record Dependency(String service, String endpoint, String permission, Check check,
                             Function<Exception, StartupFailure> classifier) {
        public Dependency {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(classifier, "classifier");
            permission = permission == null ? "" : permission;
        }
    }

    /**
     * @param maxWait          how long transient failures are waited out; empty = as long as it takes
     * @param accessDeniedWait how long a check that keeps answering "access denied" is retried
     */
    public record Limits(Optional<Duration> maxWait, Duration accessDeniedWait) {
        /** One round and no wait: what the one-off commands (backfill, benchmark) do, as a person is watching. */
        public static final Limits ONE_ROUND = new Limits(Optional.of(Duration.ZERO), Duration.ZERO);

        public Limits {
            Objects.requireNonNull(maxWait, "maxWait");
            Objects.requireNonNull(accessDeniedWait, "accessDeniedWait");
        }
    }

    public enum Status {
        /** Every check passed. */
        READY,
        /** A stop was requested during the wait. */
        STOPPED,
        /** Something no retry fixes, or access denied for longer than allowed: the configuration must change. */
        MISCONFIGURED,
        /** Still unreachable when {@link Limits#maxWait()} ran out. */
        GAVE_UP
    }

    /** @param problems one line per check that had not passed, from its last attempt */
    public record Result(Status status, List<String> problems) {
    }

    private static final class State {
        int attempts;
        long deniedSinceMillis = -1;
        StartupFailure last;
    }

    private final Limits limits;
    private final RetryPolicy backoff;
    private final Clock clock;
    private final Pause pause;
    private final DoubleSupplier jitter;
    private final HealthState health;
    private final MeterRegistry metrics;

    public StartupWait(Limits limits, RetryPolicy backoff, Clock clock, Pause pause, DoubleSupplier jitter,
                       HealthState health, MeterRegistry metrics) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.jitter = Objects.requireNonNull(jitter, "jitter");
        this.health = Objects.requireNonNull(health, "health");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** The schedule between rounds: {@link #INITIAL_BACKOFF} doubling up to {@link #MAX_BACKOFF}, without end. */
    public static RetryPolicy defaultBackoff() {
        return new RetryPolicy(Integer.MAX_VALUE, INITIAL_BACKOFF, MAX_BACKOFF);
    }

    public Result await(List<Dependency> dependencies) throws InterruptedException {
        long startedAt = clock.millis();
        Map<Dependency, State> pending = new LinkedHashMap<>();
        dependencies.forEach(d -> pending.put(d, new State()));
        for (int round = 1; ; round++) {
            attemptAll(pending, startedAt);
            if (pending.isEmpty()) {
                health.starting(); // no longer waiting; ready once the daemon reads the queue
                return new Result(Status.READY, List.of());
            }
            long now = clock.millis();
            long waited = now - startedAt;
            Status stop = stopNow(pending, now, waited);
            if (stop != null) {
                return new Result(stop, problems(pending, now, stop));
            }
            Duration delay = delayBeforeRound(round + 1, pending, now, waited);
            pending.forEach((dependency, state) -> logWaiting(dependency, state, now, waited, delay));
            health.waitingFor(waitingFor(pending));
            if (!pause.pause(delay)) {
                log.info("stop requested while waiting at start-up", kv("waiting_for", waitingFor(pending)),
                        kv("waited_ms", clock.millis() - startedAt));
                return new Result(Status.STOPPED, problems(pending, clock.millis(), Status.STOPPED));
            }
        }
    }

    private void attemptAll(Map<Dependency, State> pending, long startedAt) throws InterruptedException {
        for (Iterator<Map.Entry<Dependency, State>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Dependency, State> entry = it.next();
            Dependency dependency = entry.getKey();
            State state = entry.getValue();
            state.attempts++;
            StartupFailure failure = attempt(dependency);
            count(dependency, failure == null ? Reason.NONE : failure.reason());
            if (failure == null) {
                it.remove();
                if (state.attempts > 1) {
                    log.info("dependency answers, start-up goes on", kv("service", dependency.service()),
                            kv("endpoint", dependency.endpoint()), kv("attempts", state.attempts),
                            kv("waited_ms", clock.millis() - startedAt));
                }
                continue;
            }
            state.last = failure;
            if (failure.kind() != StartupFailure.Kind.ACCESS_DENIED) {
                state.deniedSinceMillis = -1;
            } else if (state.deniedSinceMillis < 0) {
                state.deniedSinceMillis = clock.millis();
            }
        }
    }

    /** Runs one check; null if it passed. */
    private static StartupFailure attempt(Dependency dependency) throws InterruptedException {
        try {
            dependency.check().run();
            return null;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            try {
                return Objects.requireNonNull(dependency.classifier().apply(e), "classifier returned null");
            } catch (RuntimeException classifierFailed) {
                return StartupFailure.permanent(Reason.INTERNAL_ERROR,
                        StartupFailure.describe(e) + " (unclassified: " + classifierFailed + ")");
            }
        }
    }

    private Status stopNow(Map<Dependency, State> pending, long now, long waited) {
        for (State state : pending.values()) {
            if (state.last.kind() == StartupFailure.Kind.PERMANENT || accessDeniedTooLong(state, now)) {
                return Status.MISCONFIGURED;
            }
        }
        if (limits.maxWait().isPresent() && waited >= limits.maxWait().get().toMillis()) {
            return Status.GAVE_UP;
        }
        return null;
    }

    private boolean accessDeniedTooLong(State state, long now) {
        return state.last.kind() == StartupFailure.Kind.ACCESS_DENIED
                && now - state.deniedSinceMillis >= limits.accessDeniedWait().toMillis();
    }

    /** The backoff, shortened so no limit is overshot: the last attempt comes when the limit runs out. */
    private Duration delayBeforeRound(int round, Map<Dependency, State> pending, long now, long waited) {
        long delay = backoff.delayBeforeRetry(round - 1, jitter.getAsDouble()).toMillis();
        if (limits.maxWait().isPresent()) {
            delay = Math.min(delay, limits.maxWait().get().toMillis() - waited);
        }
        for (State state : pending.values()) {
            if (state.last.kind() == StartupFailure.Kind.ACCESS_DENIED) {
                delay = Math.min(delay, state.deniedSinceMillis + limits.accessDeniedWait().toMillis() - now);
            }
        }
        return Duration.ofMillis(Math.max(1, delay));
    }

    private void logWaiting(Dependency dependency, State state, long now, long waited, Duration delay) {
        StartupFailure failure = state.last;
        if (failure.kind() == StartupFailure.Kind.ACCESS_DENIED) {
            log.warn("access denied at start-up, retrying while permissions propagate", kv("service", dependency.service()),
                    kv("endpoint", dependency.endpoint()), kv("reason", failure.reason().code()),
                    kv("permission", dependency.permission()), kv("detail", failure.detail()),
                    kv("attempt", state.attempts), kv("waited_ms", waited), kv("next_attempt_in_ms", delay.toMillis()),
                    kv("next_attempt_at", Instant.ofEpochMilli(now + delay.toMillis()).toString()),
                    kv("gives_up_in_ms", state.deniedSinceMillis + limits.accessDeniedWait().toMillis() - now));
        } else {
            log.warn("waiting for a service at start-up", kv("service", dependency.service()),
                    kv("endpoint", dependency.endpoint()), kv("reason", failure.reason().code()),
                    kv("detail", failure.detail()), kv("attempt", state.attempts), kv("waited_ms", waited),
                    kv("next_attempt_in_ms", delay.toMillis()),
                    kv("next_attempt_at", Instant.ofEpochMilli(now + delay.toMillis()).toString()));
        }
    }

    private List<String> problems(Map<Dependency, State> pending, long now, Status status) {
        List<String> problems = new ArrayList<>();
        pending.forEach((dependency, state) -> {
            StartupFailure failure = state.last;
            String text = dependency.service() + " " + dependency.endpoint() + ": " + failure.detail();
            if (failure.kind() == StartupFailure.Kind.ACCESS_DENIED) {
                text += " [access denied for " + Duration.ofMillis(now - state.deniedSinceMillis).toSeconds()
                        + " s; the worker needs " + dependency.permission() + "]";
            } else if (failure.kind() == StartupFailure.Kind.TRANSIENT && status == Status.GAVE_UP) {
                text += " [still " + failure.reason().code() + " after " + state.attempts + " attempt(s)]";
            }
            problems.add(text);
        });
        return problems;
    }

    private static String waitingFor(Map<Dependency, State> pending) {
        List<String> parts = new ArrayList<>();
        pending.forEach((dependency, state) -> parts.add(dependency.service() + " (" + dependency.endpoint() + ", "
                + state.last.reason().code() + ")"));
        return String.join(", ", parts);
    }

    private void count(Dependency dependency, Reason reason) {
        metrics.counter(MetricNames.STARTUP_ATTEMPTS, MetricNames.TAG_SERVICE, dependency.service(),
                MetricNames.TAG_REASON, reason.code()).increment();
    }
}

package io.cis.worker.app;

import io.cis.worker.config.WorkerConfig;
import io.cis.worker.core.Reason;
import io.cis.worker.retry.StartupWait;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The queue worker's lifecycle: start (every check passes or nothing starts; services that do not answer yet are
 * waited for, see {@link StartupWait}), run until SIGTERM or idle, then
 * drain within the grace period, hand back what did not finish, and exit 0. When it returns, no ReceiveMessage of
 * the process is open at SQS any more (see SqsPoller for why that matters).
 */
public final class Daemon {

    /** Exit codes a supervisor can act on. */
    public static final int EXIT_OK = 0;
    /** No restart can fix it (the queue does not exist, the wrong model, ...): the status of invalid settings too. */
    public static final int EXIT_MISCONFIGURED = 2;
    /** Start-up failed otherwise (STARTUP_MAX_WAIT_SECONDS ran out, the metrics port is taken): a restart may help. */
    public static final int EXIT_STARTUP_FAILED = 3;
    /** A part of the worker broke for good (a stage thread died); it stopped cleanly, and a restart is the fix. */
    public static final int EXIT_WORKER_FAILED = 4;

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /** How often the exit-when-idle mode looks at the worker and the queue (one GetQueueAttributes when idle). */
    private static final Duration IDLE_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** How often the main thread looks whether start-up has finished while it waits for a stop. */
    private static final Duration STARTUP_POLL = Duration.ofMillis(100);
    /**
     * After SIGTERM during start-up, how long the start-up thread gets to close what it opened. A check under way may
     * take longer (a connect timeout); the process exits anyway, since nothing has been received yet.
     */
    private static final Duration STARTUP_STOP_GRACE = Duration.ofSeconds(1);

    private final WorkerConfig config;
    private final Duration exitWhenIdle;

    public Daemon(WorkerConfig config, Integer exitWhenIdleSecondsOverride) {
        this.config = config;
        this.exitWhenIdle = exitWhenIdleSecondsOverride != null
                ? Duration.ofSeconds(exitWhenIdleSecondsOverride) : config.queue().exitWhenIdle();
    }

    public int run() {
        ShutdownSignal shutdown = ShutdownSignal.install();
        log.info("starting", kv("config", config.toString()));
        Application app;
        try {
            app = startUnlessStopped(shutdown);
        } catch (StartupException e) {
            log.error("start-up failed", kv("problems", e.problems()), kv("exit_status", e.exitStatus()));
            System.err.println(e.getMessage());
            return e.exitStatus();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        }
        if (app == null) {
            log.info("stopped during start-up");
            return EXIT_OK;
        }
        Drain drain;
        long stopRequestedAt;
        Optional<String> failure;
        try (app) {
            shutdown.onSecondSignal(() -> app.queueSource().handBackUnfinished());
            app.queueSource().start();
            app.health().ready();
            log.info("worker running", kv("queue_url", config.queue().queueUrl()), kv("index", config.index().indexName()));
            failure = waitForStop(app, shutdown);
            stopRequestedAt = System.nanoTime();
            // A broken worker cannot finish its work: no grace, everything unsettled goes back to the queue at once.
            drain = drain(app, failure.isPresent() ? Duration.ZERO : config.queue().shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        }
        // Only now: the receives have finished, the stages and every client are closed. What remains is the JVM's exit.
        log.info("stopped", kv("drained", drain.drained()), kv("handed_back", drain.handedBack()),
                kv("stop_ms", (System.nanoTime() - stopRequestedAt) / 1_000_000));
        return failure.isPresent() ? EXIT_WORKER_FAILED : EXIT_OK;
    }

    /**
     * Starts the application on its own thread, so a SIGTERM while start-up waits for a service ends the process
     * promptly even when a check is in the middle of a slow attempt (a connect timeout, the SDK's own retries).
     *
     * @return the started application, or null if a stop was requested first
     */
    private Application startUnlessStopped(ShutdownSignal shutdown) throws InterruptedException {
        StartupWait.Limits limits = new StartupWait.Limits(config.retry().startupMaxWait(),
                config.retry().startupAccessDeniedWait());
        StartupWait.Pause untilStopped = duration -> !shutdown.awaitRequested(duration.toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<Application> started = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                started.complete(Application.start(config, Application.Mode.DAEMON, Clock.systemUTC(), limits, untilStopped));
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "startup");
        // Not a daemon thread: the stages it starts inherit that, as before. A check still under way at a stop does
        // not hold up the exit, which is System.exit (Main).
        thread.start();
        while (!shutdown.awaitRequested(STARTUP_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
            if (started.isDone()) {
                return result(started);
            }
        }
        // Stopped during start-up: the wait sees the stop at once and the start-up thread closes what it opened.
        try {
            started.get(STARTUP_STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS).close();
        } catch (ExecutionException e) {
            // Expected: start-up ended because of the stop.
        } catch (TimeoutException e) {
            log.info("start-up check still under way at the stop; exiting without waiting for it");
        }
        return null;
    }

    private static Application result(CompletableFuture<Application> started) throws InterruptedException {
        try {
            return started.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Returns what broke when a part of the worker died; empty for a signal or the idle exit. */
    private Optional<String> waitForStop(Application app, ShutdownSignal shutdown) throws InterruptedException {
        while (!shutdown.awaitRequested(IDLE_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
            Optional<String> failure = app.health().failure();
            if (failure.isPresent()) {
                log.error("a worker thread died, stopping", kv("reason", Reason.INTERNAL_ERROR.code()),
                        kv("detail", failure.get()));
                return failure;
            }
            if (!exitWhenIdle.isZero()
                    && app.queueSource().idleFor(app.pipeline().inside()).compareTo(exitWhenIdle) >= 0) {
                log.info("queue idle, exiting", kv("idle_seconds", exitWhenIdle.toSeconds()));
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private record Drain(boolean drained, int handedBack) {
    }

    /**
     * Stops receiving and waits for the receives still open at SQS (each ends within SQS_WAIT_TIME_SECONDS, and what
     * it returns is handed back), while the pipeline goes on finishing what is in flight; then gives the pipeline
     * what is left of the grace period, stops it if it did not finish, and hands back every unsettled message.
     */
    private Drain drain(Application app, Duration grace) throws InterruptedException {
        long graceEnds = System.nanoTime() + grace.toNanos();
        app.health().draining();
        app.queueSource().stopReceiving();
        app.queueSource().awaitReceivesFinished();
        boolean drained = app.queueSource().awaitDrained(Duration.ofNanos(Math.max(0, graceEnds - System.nanoTime())));
        if (!drained) {
            // Stop the stages first, so no message completes (and is deleted) while the rest is being handed back.
            app.pipeline().close();
        }
        return new Drain(drained, app.queueSource().handBackUnfinished());
    }
}

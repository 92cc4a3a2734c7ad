package io.cis.worker.app;

import io.cis.worker.config.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The queue worker's lifecycle: start (every check passes or nothing starts), run until SIGTERM or idle, then
 * drain within the grace period, hand back what did not finish, and exit 0.
 */
public final class Daemon {

    /** Exit codes a supervisor can act on. */
    public static final int EXIT_OK = 0;
    public static final int EXIT_STARTUP_FAILED = 3;

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

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
            app = Application.start(config, Application.Mode.DAEMON, Clock.systemUTC());
        } catch (StartupException e) {
            log.error("start-up failed", kv("problems", e.problems()));
            System.err.println(e.getMessage());
            return EXIT_STARTUP_FAILED;
        }
        try (app) {
            shutdown.onSecondSignal(() -> app.queueSource().handBackUnfinished());
            app.queueSource().start();
            app.health().ready();
            log.info("worker running", kv("queue_url", config.queue().queueUrl()), kv("index", config.index().indexName()));
            waitForStop(app, shutdown);
            drain(app);
            return EXIT_OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        }
    }

    private void waitForStop(Application app, ShutdownSignal shutdown) throws InterruptedException {
        while (!shutdown.awaitRequested(500, TimeUnit.MILLISECONDS)) {
            if (!exitWhenIdle.isZero() && app.queueSource().idleFor().compareTo(exitWhenIdle) >= 0
                    && app.pipeline().inside() == 0) {
                log.info("queue idle, exiting", kv("idle_seconds", exitWhenIdle.toSeconds()));
                return;
            }
        }
    }

    private void drain(Application app) throws InterruptedException {
        app.health().draining();
        app.queueSource().stopReceiving();
        Duration grace = config.queue().shutdownGrace();
        boolean drained = app.queueSource().awaitDrained(grace);
        if (!drained) {
            // Stop the stages first, so no message completes (and is deleted) while the rest is being handed back.
            app.pipeline().close();
        }
        int handedBack = app.queueSource().handBackUnfinished();
        log.info("stopped", kv("drained", drained), kv("handed_back", handedBack));
    }
}

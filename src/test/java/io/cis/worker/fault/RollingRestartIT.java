package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.awaitRunning;
import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.config.Settings;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart under load, as a deploy does it (systemctl restart: SIGTERM, wait for the exit, start): 1,000
 * messages, the worker restarted 5 times while it works through them. Every image is indexed, nothing is lost, and
 * no message waits a visibility timeout because of a restart: the visibility timeout is 300 s, longer than the
 * whole run, so one abandoned or stranded message would show as a latency of 300 s or more.
 */
class RollingRestartIT {

    private static final int MESSAGES = 1_000;
    private static final int RESTARTS = 5;
    private static final int VISIBILITY_SECONDS = 300;

    @Test
    void fiveRestartsUnderLoadLoseNothingAndStrandNothing() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("rolling-restart", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));
            // The production long-poll wait, as deployed.
            Map<String, String> settings = Map.of("SQS_WAIT_TIME_SECONDS", Settings.SQS_WAIT_TIME_SECONDS.defaultValue());

            long started = System.nanoTime();
            WorkerProcess worker = kit.startWorker("0", settings);
            List<String> stops = new ArrayList<>();
            long slowestStopMillis = 0;
            int handedBack = 0;
            for (int restart = 1; restart <= RESTARTS; restart++) {
                int target = MESSAGES * restart / (RESTARTS + 1);
                FaultKit.await(target + " indexed before restart " + restart, Duration.ofMinutes(5),
                        () -> kit.index.countEmbedded() >= target);
                long signalled = System.nanoTime();
                worker.sigterm();
                int exit = worker.awaitExit(Duration.ofSeconds(90));
                long stopMillis = (System.nanoTime() - signalled) / 1_000_000;
                int workerHandedBack = FaultKit.handedBackAtStop(worker);
                handedBack += workerHandedBack;
                slowestStopMillis = Math.max(slowestStopMillis, stopMillis);
                stops.add(stopMillis + " ms, handed back " + workerHandedBack);
                assertEquals(0, exit, "exit after SIGTERM; log " + worker.log());

                worker = restart == RESTARTS
                        ? kit.startWorker(Integer.toString(restart), settings, "--exit-when-idle", "5")
                        : kit.startWorker(Integer.toString(restart), settings);
                awaitRunning(worker, Duration.ofMinutes(2));
            }
            int lastExit = worker.awaitExit(Duration.ofMinutes(5));
            long runSeconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            long maxLatencyMs = kit.maxLatencyMs("indexed");
            int redeliveries = kit.redeliveries();
            boolean ok = lastExit == 0 && result.correct() == MESSAGES && queued == 0 && deadLettered == 0
                    && maxLatencyMs < VISIBILITY_SECONDS * 1000L;
            new ChaosSummary("rolling-restart", MESSAGES, String.format(Locale.ROOT,
                    "%d x SIGTERM+start; stops <= %.1f s, latency <= %.0f s", RESTARTS, slowestStopMillis / 1000.0,
                    maxLatencyMs / 1000.0), result.correct(), result.lost(), redeliveries, deadLettered,
                    kit.peakRssMb(), ok ? "ok" : "FAILED").write();
            System.out.printf(Locale.ROOT, "rolling restart: %d messages in %d s, %d restarts (stops: %s), handed back %d, "
                    + "redeliveries %d, max enqueue->indexed latency %d ms%n", MESSAGES, runSeconds, RESTARTS, stops,
                    handedBack, redeliveries, maxLatencyMs);

            assertEquals(0, lastExit, "log " + worker.log());
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, queued, "messages left in the queue");
            assertEquals(0, deadLettered);
            assertTrue(maxLatencyMs < VISIBILITY_SECONDS * 1000L,
                    "a message waited a visibility timeout: max enqueue->indexed latency " + maxLatencyMs + " ms");
            assertTrue(redeliveries <= handedBack, "only what a stop handed back was received again: " + redeliveries
                    + " redeliveries, " + handedBack + " handed back");
        }
    }
}

package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The idle exit abandons nothing: an object whose first GETs fail (an S3 hiccup outlasting the worker's own
 * retries) leaves its message for redelivery, invisible until its visibility timeout. The idle window is shorter
 * than that timeout, yet the worker waits, processes the retry and only then exits.
 */
class IdleExitIT {

    private static final int VISIBILITY_SECONDS = 8;
    private static final int IDLE_SECONDS = 3;
    private static final int ATTEMPTS = 2;

    @Test
    void aMessageWaitingOutARetryIsIndexedBeforeTheIdleExit() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("idle-exit-retry", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), 1, "flaky");
            kit.notifyCreated(keysOf(uploads));

            long started = System.nanoTime();
            WorkerProcess worker = kit.startWorker("worker", Map.of(
                    // Every GET of the first delivery fails (all RETRY_MAX_ATTEMPTS of them); the redelivery's succeed.
                    "DEBUG_S3_GET_FAILURES", "/flaky/:" + ATTEMPTS, "RETRY_MAX_ATTEMPTS", Integer.toString(ATTEMPTS),
                    "EMBEDDING_CACHE_ENABLED", "false"),
                    "--exit-when-idle", Integer.toString(IDLE_SECONDS));
            int exit = worker.awaitExit(Duration.ofMinutes(2));
            long runSeconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            boolean ok = exit == 0 && result.correct() == 1 && queued == 0 && outcomes(worker, "failed_transient") == 1;
            new ChaosSummary("idle-exit-retry", 1, "first GETs fail; idle " + IDLE_SECONDS + " s < visibility "
                    + VISIBILITY_SECONDS + " s", result.correct(), result.lost(), kit.redeliveries(), kit.deadLettered(),
                    kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit, "log " + worker.log());
            assertEquals(1, outcomes(worker, "failed_transient"), "the first delivery failed transiently; " + worker.log());
            assertEquals(1, result.correct(), "indexed by the retry before the exit; " + result.problems());
            assertEquals(1, kit.redeliveries());
            assertEquals(0, queued);
            assertTrue(runSeconds >= VISIBILITY_SECONDS, "the worker waited out the visibility timeout: " + runSeconds + " s");
        }
    }
}

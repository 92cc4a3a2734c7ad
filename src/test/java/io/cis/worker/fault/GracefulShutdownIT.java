package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.await;
import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Graceful shutdown: SIGTERM in the middle of a slow run. The worker stops receiving, finishes what it can within
 * SHUTDOWN_GRACE_SECONDS, deletes what settled, hands the rest back with visibility 0 and exits 0. A worker started
 * right after receives the handed-back messages at once (long before their 120 s visibility timeout would have
 * expired) and nothing is lost. A second SIGTERM hands back and exits at once.
 */
class GracefulShutdownIT {

    private static final int MESSAGES = 60;
    private static final int VISIBILITY_SECONDS = 120;
    private static final int GRACE_SECONDS = 6;
    private static final Map<String, String> SLOW = Map.of(
            "EMBEDDING_CACHE_ENABLED", "false", "DEBUG_INFERENCE_DELAY_MS", "1500",
            "SHUTDOWN_GRACE_SECONDS", Integer.toString(GRACE_SECONDS));

    @Test
    void sigtermDrainsWithinTheGraceAndHandsBackTheRest() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("shutdown", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerProcess first = kit.startWorker("first", SLOW);
            await("some indexed", Duration.ofMinutes(3), () -> outcomes(first, "indexed") >= 8);
            long signalled = System.nanoTime();
            first.sigterm();
            int firstExit = first.awaitExit(Duration.ofSeconds(GRACE_SECONDS + 30));
            long stopSeconds = Duration.ofNanos(System.nanoTime() - signalled).toSeconds();
            JsonNode stopped = first.logLines().stream().filter(l -> "stopped".equals(l.path("message").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError("no 'stopped' line in " + first.log()));
            Set<String> settledByFirst = indexedUrls(first);
            int handedBack = FaultKit.handedBackAtStop(first);

            WorkerProcess second = kit.startWorker("second", Map.of(), "--exit-when-idle", "5");
            long secondStarted = System.nanoTime();
            int secondExit = second.awaitExit(Duration.ofSeconds(VISIBILITY_SECONDS));
            long secondSeconds = Duration.ofNanos(System.nanoTime() - secondStarted).toSeconds();

            FaultKit.Verification result = kit.verify(uploads);
            Set<String> redone = new HashSet<>(indexedUrls(second));
            redone.retainAll(settledByFirst);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = firstExit == 0 && secondExit == 0 && result.correct() == MESSAGES && queued == 0 && redone.isEmpty();
            new ChaosSummary("shutdown-sigterm", MESSAGES, "SIGTERM mid-run (grace " + GRACE_SECONDS + " s), handed back "
                    + handedBack, result.correct(), result.lost(), kit.redeliveries(), deadLettered,
                    kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, firstExit, "exit code after SIGTERM; log " + first.log());
            assertTrue(stopSeconds <= GRACE_SECONDS + 10, "stopped " + stopSeconds + " s after SIGTERM");
            // What the full pipeline had no room for is handed back at the stop, what did not finish in the grace after it.
            assertTrue(handedBack > 0, "the slow run could not finish in the grace: " + stopped);
            assertEquals(0, secondExit);
            assertTrue(secondSeconds < VISIBILITY_SECONDS, "the handed-back messages came back at once, not after the "
                    + "visibility timeout: the second worker took " + secondSeconds + " s");
            assertEquals(Set.of(), redone, "what the first worker settled was deleted, not redone");
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
        }
    }

    @Test
    void aSecondSigtermHandsBackAndExitsAtOnce() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("shutdown-twice", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            Map<String, String> slowWithLongGrace = new java.util.HashMap<>(SLOW);
            slowWithLongGrace.put("SHUTDOWN_GRACE_SECONDS", "120");
            WorkerProcess first = kit.startWorker("first", slowWithLongGrace);
            await("some indexed", Duration.ofMinutes(3), () -> outcomes(first, "indexed") >= 8);
            first.sigterm();
            Thread.sleep(1_000);
            long second = System.nanoTime();
            first.sigterm();
            int firstExit = first.awaitExit(Duration.ofSeconds(20));
            long exitSeconds = Duration.ofNanos(System.nanoTime() - second).toSeconds();

            WorkerProcess restarted = kit.startWorker("restarted", Map.of(), "--exit-when-idle", "5");
            int restartedExit = restarted.awaitExit(Duration.ofSeconds(VISIBILITY_SECONDS));

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = firstExit == 0 && restartedExit == 0 && result.correct() == MESSAGES && queued == 0;
            new ChaosSummary("shutdown-sigterm-twice", MESSAGES, "two SIGTERMs 1 s apart (grace 120 s)",
                    result.correct(), result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, firstExit);
            assertTrue(exitSeconds <= 5, "exited " + exitSeconds + " s after the second SIGTERM, not at once");
            assertTrue(first.logLines().stream().anyMatch(l -> "handed back unfinished messages".equals(l.path("message").asText())),
                    "handed back before halting; log " + first.log());
            assertEquals(0, restartedExit, "restarted within the visibility timeout: the messages were handed back");
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
        }
    }

    private static Set<String> indexedUrls(WorkerProcess worker) {
        Set<String> urls = new HashSet<>();
        for (JsonNode line : worker.logLines()) {
            if ("io.cis.worker.outcome".equals(line.path("logger_name").asText()) && "indexed".equals(line.path("outcome").asText())) {
                urls.add(line.path("s3_url").asText());
            }
        }
        return urls;
    }

}

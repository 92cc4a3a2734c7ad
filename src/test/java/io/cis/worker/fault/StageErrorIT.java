package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.count;
import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.app.Daemon;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An Error in a stage wedges nothing. A StackOverflowError in decode and another in inference (test hooks
 * DEBUG_DECODE_ERRORS, DEBUG_INFERENCE_ERRORS) fail their items transiently: the messages come back after their
 * visibility timeout and are indexed, and the idle exit still fires (nothing stays in flight). An OutOfMemoryError
 * in inference settles its items, kills the inference thread, and the worker stops at once (exit 4), handing back
 * what it held; a restarted worker indexes everything.
 */
class StageErrorIT {

    private static final int VISIBILITY_SECONDS = 6;
    private static final int IDLE_SECONDS = 3;

    @Test
    void anErrorInDecodeOrInferenceSendsTheMessageBackAndWedgesNothing() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("stage-error", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), 2, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerProcess worker = kit.startWorker("worker", Map.of(
                    "EMBEDDING_CACHE_ENABLED", "false", // every image is decoded and embedded
                    // one image fails in decode; the other one reaches inference alone and fails there
                    "DEBUG_DECODE_ERRORS", "StackOverflowError:1", "DEBUG_INFERENCE_ERRORS", "StackOverflowError:1"),
                    "--exit-when-idle", Integer.toString(IDLE_SECONDS));
            int exit = worker.awaitExit(Duration.ofMinutes(2));

            FaultKit.Verification result = kit.verify(uploads);
            List<String> stages = worker.logLines().stream()
                    .filter(l -> "error in pipeline stage, items go back to the queue".equals(l.path("message").asText()))
                    .map(l -> l.path("stage").asText()).sorted().toList();
            long stageErrorOutcomes = worker.logLines().stream()
                    .filter(l -> "io.cis.worker.outcome".equals(l.path("logger_name").asText()))
                    .filter(l -> "stage_error".equals(l.path("reason").asText())).count();
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = exit == 0 && result.correct() == 2 && queued == 0 && stages.equals(List.of("decode", "inference"));
            new ChaosSummary("stage-error", 2, "StackOverflowError in decode and in inference", result.correct(),
                    result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit, "the idle exit fired: nothing stayed in flight; log " + worker.log());
            assertEquals(List.of("decode", "inference"), stages, worker.log().toString());
            assertEquals(2, stageErrorOutcomes, "each failed transiently with reason stage_error");
            assertEquals(2, outcomes(worker, "failed_transient"));
            assertEquals(2, kit.redeliveries(), "each message came back once");
            assertEquals(2, result.correct(), "indexed on their second receive; " + result.problems());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
        }
    }

    @Test
    void anOutOfMemoryErrorStopsTheWorkerPromptlyAndLosesNothing() throws InterruptedException {
        int messages = 6;
        try (FaultKit kit = FaultKit.create("stage-oom", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), messages, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerProcess first = kit.startWorker("first", Map.of("EMBEDDING_CACHE_ENABLED", "false",
                    "DEBUG_INFERENCE_ERRORS", "OutOfMemoryError:1", "SHUTDOWN_GRACE_SECONDS", "60"));
            // Well within the 60 s grace: a broken worker does not wait for work it cannot finish.
            int firstExit = first.awaitExit(Duration.ofSeconds(45));
            JsonNode stopped = first.logLines().stream().filter(l -> "stopped".equals(l.path("message").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError("no 'stopped' line in " + first.log()));

            WorkerProcess second = kit.startWorker("second", Map.of(), "--exit-when-idle", Integer.toString(IDLE_SECONDS));
            int secondExit = second.awaitExit(Duration.ofMinutes(2));

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = firstExit == Daemon.EXIT_WORKER_FAILED && secondExit == 0 && result.correct() == messages && queued == 0;
            new ChaosSummary("stage-oom", messages, "OutOfMemoryError in inference: stop, exit 4, restart",
                    result.correct(), result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(Daemon.EXIT_WORKER_FAILED, firstExit, "log " + first.log());
            assertEquals(1, count(first, "pipeline thread died"), first.log().toString());
            assertEquals(1, count(first, "a worker thread died, stopping"), first.log().toString());
            assertTrue(outcomes(first, "failed_transient") >= 1, "the batch hit was settled; log " + first.log());
            assertTrue(stopped.path("stop_ms").asLong() < 5_000, "stopped without waiting out the grace: " + stopped);
            assertEquals(0, secondExit, "log " + second.log());
            assertEquals(messages, result.correct(), result.problems().toString());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
        }
    }
}

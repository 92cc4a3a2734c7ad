package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The visibility heartbeat: visibility timeout 5 s, processing slowed to 20 s per inference batch. Without the
 * heartbeat every message would be delivered again after 5 s; with it, none is received twice.
 */
class VisibilityHeartbeatIT {

    private static final int MESSAGES = 8;
    private static final int VISIBILITY_SECONDS = 5;

    @Test
    void slowBatchesAreNotDeliveredTwice() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("heartbeat", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerProcess worker = kit.startWorker("worker", Map.of(
                    "EMBEDDING_CACHE_ENABLED", "false", // every image goes through the slowed inference
                    "DEBUG_INFERENCE_DELAY_MS", "20000",
                    "BATCH_MAX_SIZE", "8", "BATCH_MAX_WAIT_MS", "2000"),
                    // idle exit only well after a visibility timeout, so a lapsed message would be seen again first
                    "--exit-when-idle", Integer.toString(3 * VISIBILITY_SECONDS));
            int exit = worker.awaitExit(Duration.ofMinutes(3));

            FaultKit.Verification result = kit.verify(uploads);
            long slowest = worker.logLines().stream().filter(l -> l.has("latency_ms"))
                    .mapToLong(l -> l.path("latency_ms").asLong()).max().orElse(0);
            List<JsonNode> receivedAgain = worker.logLines().stream()
                    .filter(l -> "message redelivered".equals(l.path("message").asText())).toList();
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = exit == 0 && receivedAgain.isEmpty() && result.correct() == MESSAGES && queued == 0;
            new ChaosSummary("visibility-heartbeat", MESSAGES, "visibility 5 s, 20 s per inference batch",
                    result.correct(), result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit, "log " + worker.log());
            assertTrue(slowest >= 20_000, "processing took longer than the visibility timeout: " + slowest + " ms");
            assertEquals(List.of(), receivedAgain, "no message is received twice");
            assertEquals(MESSAGES, outcomes(worker, "indexed"), "each processed exactly once");
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
        }
    }
}

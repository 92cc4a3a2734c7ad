package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.testing.WorkerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault (d): DynamoDB is unreachable (the worker's endpoint is a closed port). The cache only saves work, so the
 * worker embeds everything without it, and warns once per interval (60 s), not once per image.
 */
class CacheUnreachableIT {

    private static final int MESSAGES = 60;
    private static final long WARN_INTERVAL_SECONDS = 60;

    @Test
    void theWorkerCarriesOnWithoutTheCacheAndWarnsOncePerInterval() throws InterruptedException, IOException {
        try (FaultKit kit = FaultKit.create("cache-unreachable", 5, 20)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            long started = System.nanoTime();
            WorkerProcess worker = kit.startWorker("worker", Map.of(
                    "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:" + closedPort(),
                    "LOCAL_CACHE_ENTRIES", "0"), // no in-process cache: every batch asks DynamoDB
                    "--exit-when-idle", "5");
            int exit = worker.awaitExit(Duration.ofMinutes(4));
            long runSeconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

            FaultKit.Verification result = kit.verify(uploads);
            List<JsonNode> lines = worker.logLines();
            long cacheWarnings = lines.stream()
                    .filter(l -> l.path("message").asText().startsWith("Embedding cache failing")).count();
            long startupWarnings = lines.stream()
                    .filter(l -> l.path("message").asText().startsWith("embedding cache unreachable at start-up")).count();
            long cacheHits = lines.stream().filter(l -> l.path("cache_hit").asBoolean()).count();
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            long allowedWarnings = 1 + runSeconds / WARN_INTERVAL_SECONDS;
            boolean ok = exit == 0 && result.correct() == MESSAGES && queued == 0 && deadLettered == 0
                    && cacheWarnings >= 1 && cacheWarnings <= allowedWarnings;
            new ChaosSummary("d-cache-unreachable", MESSAGES, "DynamoDB endpoint a closed port; " + cacheWarnings
                    + " warning(s) in " + runSeconds + " s", result.correct(), result.lost(), kit.redeliveries(),
                    deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit, "log " + worker.log());
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, cacheHits, "nothing can come from an unreachable cache");
            assertEquals(1, startupWarnings, "one warning at start-up");
            assertTrue(cacheWarnings >= 1 && cacheWarnings <= allowedWarnings,
                    cacheWarnings + " cache warnings for " + MESSAGES + " images in " + runSeconds + " s; log " + worker.log());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort(); // free now, and nothing listens on it once the socket closes
        }
    }
}

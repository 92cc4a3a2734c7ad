package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.await;
import static io.cis.worker.fault.FaultKit.count;
import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault (b): OpenSearch is stopped for 60 s in the middle of a run, then started again (with its data). Items that
 * reach the index stage during the outage fail transiently after their retries, so their messages stay in the queue;
 * the worker pauses receiving until OpenSearch answers, so nothing cycles towards the dead-letter queue; it never
 * exits. Afterwards every image is indexed with its own photo's vector and both queues are empty.
 *
 * <p>Run twice: with the default document ids (the bulk meets the outage) and in {@code DOCUMENT_ID_MODE=lookup},
 * where the lookup search meets it first and must pause receiving in the same way.
 */
class OpenSearchOutageIT {

    private static final int MESSAGES = 200;
    private static final int MAX_RECEIVE_COUNT = 5;
    private static final int VISIBILITY_SECONDS = 20;
    private static final Duration OUTAGE = Duration.ofSeconds(60);

    @Test
    void openSearchDownForAMinuteMidRunLosesNothing() throws InterruptedException {
        run("opensearch-outage", "b-opensearch-down-60s", Map.of(), false);
    }

    @Test
    void inLookupModeTooTheOutagePausesReceivingAndLosesNothing() throws InterruptedException {
        // The documents exist (id = key, s3_key = key), as the indexer that owns them would have written them.
        run("opensearch-outage-lookup", "b-opensearch-down-60s-lookup",
                Map.of("DOCUMENT_ID_MODE", "lookup", "MISSING_DOCUMENT", "retry"), true);
    }

    private void run(String scenario, String summaryName, Map<String, String> settings, boolean createDocuments)
            throws InterruptedException {
        StackControl.requireOwnStack();
        try (FaultKit kit = FaultKit.create(scenario, MAX_RECEIVE_COUNT, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            if (createDocuments) {
                kit.index.createDocuments(keysOf(uploads));
            }
            kit.notifyCreated(keysOf(uploads));

            // Slowed down (no cache, a pause per inference batch) so the outage lands in the middle of the run.
            Map<String, String> workerSettings = new HashMap<>(settings);
            workerSettings.putAll(Map.of("EMBEDDING_CACHE_ENABLED", "false", "DEBUG_INFERENCE_DELAY_MS", "400"));
            WorkerProcess worker = kit.startWorker("worker", workerSettings);
            await("some indexed before the outage", Duration.ofMinutes(3), () -> outcomes(worker, "indexed") >= 30);

            int indexedBeforeOutage;
            boolean stopped = false;
            try {
                StackControl.stop("opensearch");
                stopped = true;
                indexedBeforeOutage = outcomes(worker, "indexed");
                Thread.sleep(OUTAGE.toMillis());
                assertTrue(worker.isAlive(), "the worker exited during the outage; log " + worker.log());
                StackControl.start("opensearch");
                stopped = false;
            } finally {
                if (stopped) {
                    StackControl.start("opensearch"); // never leave the shared stack without OpenSearch
                }
            }

            kit.awaitEmbedded(MESSAGES, Duration.ofMinutes(4));
            kit.awaitQueueEmpty(Duration.ofMinutes(1));
            boolean aliveAtTheEnd = worker.isAlive();
            worker.sigterm();
            int exit = worker.awaitExit(Duration.ofSeconds(60));

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            int highestReceiveCount = kit.highestReceiveCount();
            boolean ok = aliveAtTheEnd && exit == 0 && result.correct() == MESSAGES && queued == 0 && deadLettered == 0;
            new ChaosSummary(summaryName, MESSAGES, "OpenSearch stopped 60 s after " + indexedBeforeOutage
                    + " indexed" + (createDocuments ? ", lookup ids" : ""), result.correct(), result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(),
                    ok ? "ok" : "FAILED").write();

            assertTrue(aliveAtTheEnd, "the worker never exits");
            assertEquals(0, exit);
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, queued);
            assertEquals(0, deadLettered, "nothing dead-lettered");
            assertTrue(indexedBeforeOutage < MESSAGES, "the outage came after the run");
            assertTrue(outcomes(worker, "failed_transient") > 0, "items met the outage");
            int paused = count(worker, "service unavailable, receiving paused until it answers");
            assertTrue(paused >= 1, "receiving paused; log " + worker.log());
            assertEquals(paused, count(worker, "service answers again, receiving resumed"), "and resumed");
            // Paused receiving: only messages in flight when the outage began were received again, once.
            assertTrue(highestReceiveCount <= 3, "a message was received " + highestReceiveCount + " times");
        }
    }
}

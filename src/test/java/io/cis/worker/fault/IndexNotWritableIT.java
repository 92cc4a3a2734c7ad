package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.await;
import static io.cis.worker.fault.FaultKit.count;
import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An index that cannot take writes mid-run is an outage, not a rejection: the index closed and reopened (as an
 * operator does to change a static setting), and the index deleted then created again. Messages stay in the queue
 * while receiving is paused, nothing is dead-lettered, and no bulk write re-creates a deleted index with dynamic
 * mappings.
 */
class IndexNotWritableIT {

    private static final int MESSAGES = 60;
    private static final int MAX_RECEIVE_COUNT = 3;
    private static final int VISIBILITY_SECONDS = 15;
    private static final Duration WITHOUT_WRITES = Duration.ofSeconds(25);
    /** Slowed down (no cache, a pause per inference batch) so the fault lands in the middle of the run. */
    private static final Map<String, String> SLOW = Map.of("EMBEDDING_CACHE_ENABLED", "false",
            "DEBUG_INFERENCE_DELAY_MS", "1000", "BATCH_MAX_SIZE", "2");

    @Test
    void closingAndReopeningTheIndexMidRunLosesNothing() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("index-closed", MAX_RECEIVE_COUNT, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));
            WorkerProcess worker = kit.startWorker("worker", SLOW);
            await("some indexed before the close", Duration.ofMinutes(3), () -> outcomes(worker, "indexed") >= 6);

            kit.index.close();
            int indexedBeforeClose = outcomes(worker, "indexed");
            try {
                await("receiving paused", Duration.ofMinutes(1),
                        () -> count(worker, "service unavailable, receiving paused until it answers") >= 1);
                Thread.sleep(WITHOUT_WRITES.toMillis());
            } finally {
                kit.index.open();
            }

            kit.awaitEmbedded(MESSAGES, Duration.ofMinutes(4));
            kit.awaitQueueEmpty(Duration.ofMinutes(1));
            worker.sigterm();
            int exit = worker.awaitExit(Duration.ofSeconds(60));

            FaultKit.Verification result = kit.verify(uploads);
            int deadLettered = kit.deadLettered();
            boolean ok = exit == 0 && result.correct() == MESSAGES && kit.queued() == 0 && deadLettered == 0;
            new ChaosSummary("index-closed-reopened", MESSAGES, "index closed " + WITHOUT_WRITES.toSeconds()
                    + " s after " + indexedBeforeClose + " indexed, then reopened", result.correct(), result.lost(),
                    kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit);
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, deadLettered, "nothing dead-lettered");
            assertTrue(indexedBeforeClose < MESSAGES, "the close came after the run");
            assertEquals(0, withReason(worker, "document_rejected"), "no item was taken for a rejection");
            assertTrue(withReason(worker, "index_not_writable") > 0, "the pause says why");
            assertEquals(count(worker, "service unavailable, receiving paused until it answers"),
                    count(worker, "service answers again, receiving resumed"), "and resumed");
        }
    }

    private static long withReason(WorkerProcess worker, String reason) {
        return worker.logLines().stream().filter(l -> reason.equals(l.path("reason").asText())).count();
    }

    @Test
    void aDeletedIndexIsNotReCreatedByABulkWrite() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("index-deleted", MAX_RECEIVE_COUNT, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));
            WorkerProcess worker = kit.startWorker("worker", SLOW);
            await("some indexed before the delete", Duration.ofMinutes(3), () -> outcomes(worker, "indexed") >= 6);

            kit.index.delete();
            int indexedBeforeDelete = outcomes(worker, "indexed");
            await("receiving paused", Duration.ofMinutes(1),
                    () -> count(worker, "service unavailable, receiving paused until it answers") >= 1);
            Thread.sleep(WITHOUT_WRITES.toMillis());
            boolean reCreated = kit.index.exists();
            String typeIfReCreated = reCreated ? kit.index.fieldType("image_embedding") : "absent";

            kit.index.create(); // the operator restores it, with the worker's mapping
            await("the rest indexed", Duration.ofMinutes(4), () -> kit.queued() == 0);
            worker.sigterm();
            int exit = worker.awaitExit(Duration.ofSeconds(60));

            FaultKit.Verification result = kit.verify(uploads);
            int deadLettered = kit.deadLettered();
            // The documents written before the delete went with the index; the rest must all be there.
            int expected = MESSAGES - indexedBeforeDelete;
            boolean ok = !reCreated && exit == 0 && result.wrongVector() == 0 && result.correct() >= expected
                    && deadLettered == 0;
            new ChaosSummary("index-deleted", MESSAGES, "index deleted " + WITHOUT_WRITES.toSeconds() + " s after "
                    + indexedBeforeDelete + " indexed, then created again", result.correct(), expected - Math.min(expected,
                    result.correct()), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertFalse(reCreated, "a bulk write re-created the deleted index (image_embedding: " + typeIfReCreated + ")");
            assertEquals("knn_vector", kit.index.fieldType("image_embedding"));
            assertEquals(0, exit);
            assertEquals(0, result.wrongVector(), result.problems().toString());
            assertTrue(result.correct() >= expected, result.correct() + " of the " + expected + " not indexed before"
                    + " the delete; " + result.problems());
            assertEquals(0, deadLettered, "nothing dead-lettered");
            assertTrue(withReason(worker, "index_not_found") > 0, "the pause says why");
        }
    }
}

package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault (c): an object is deleted between its notification and the fetch. The 404 is permanent: recorded on the
 * document when there is one (image_embedding_error) and in the outcome log line, and the message is deleted rather
 * than retried into the dead-letter queue. The other images in the same run are unaffected.
 */
class DeletedObjectIT {

    @Test
    void aDeletedObjectIsRecordedAsPermanentAndItsMessageDeleted() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("deleted-object", 5, 10)) {
            List<FaultKit.Upload> valid = kit.uploadPhotos(Photos.load(Photos.SMALL), 20, "valid");
            String goneWithDocument = kit.prefix + "gone/with-document.png";
            String goneWithoutDocument = kit.prefix + "gone/without-document.jpg";
            kit.put(goneWithDocument, Photos.bytes("horse.png"));
            kit.put(goneWithoutDocument, Photos.bytes("formats/camera-gray.jpg"));

            List<String> documents = new ArrayList<>(keysOf(valid));
            documents.add(goneWithDocument);
            kit.index.createDocuments(documents);

            List<String> notified = new ArrayList<>(keysOf(valid));
            notified.add(goneWithDocument);
            notified.add(goneWithoutDocument);
            kit.notifyCreated(notified);
            kit.deleteObject(goneWithDocument);
            kit.deleteObject(goneWithoutDocument);

            WorkerProcess worker = kit.startWorker("worker", Map.of(), "--exit-when-idle", "5");
            int exit = worker.awaitExit(Duration.ofMinutes(3));

            FaultKit.Verification result = kit.verify(valid);
            Map<String, JsonNode> outcomes = worker.outcomesByUrl();
            JsonNode recorded = kit.index.sources(List.of(goneWithDocument)).get(goneWithDocument);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = exit == 0 && result.correct() == valid.size() && queued == 0 && deadLettered == 0
                    && recorded != null && recorded.path("image_embedding_error").asText().startsWith("object_not_found");
            new ChaosSummary("c-deleted-object", notified.size(), "2 objects deleted before the fetch", result.correct(),
                    result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit, "log " + worker.log());
            assertEquals(valid.size(), result.correct(), result.problems().toString());
            for (String key : List.of(goneWithDocument, goneWithoutDocument)) {
                JsonNode line = outcomes.get("s3://" + kit.bucket + "/" + key);
                assertNotNull(line, "outcome line for " + key);
                assertEquals("failed_permanent", line.path("outcome").asText(), line.toString());
                assertTrue(line.path("reason").asText().startsWith("object_not_found"), line.toString());
            }
            assertNotNull(recorded);
            assertTrue(recorded.path("image_embedding_error").asText().startsWith("object_not_found"), recorded.toString());
            assertFalse(recorded.path("has_image_embedding").asBoolean(), recorded.toString());
            assertEquals(0, queued, "both messages deleted, none left for redelivery");
            assertEquals(0, deadLettered);
            assertEquals(0, kit.redeliveries(), "a permanent failure is not retried through the queue");
        }
    }
}

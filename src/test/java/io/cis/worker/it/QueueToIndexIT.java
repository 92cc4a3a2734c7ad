package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The product's main path against the real local services: every photo in ../shared/images is uploaded under a
 * realistic key, announced in one of the four accepted message forms (several records per message too), and must
 * end on its document with the reference vector; every bad input ends with its recorded outcome.
 */
class QueueToIndexIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "cis-images";
    private static final List<String> BAD_INPUTS = List.of("truncated.jpg", "formats/empty.jpg", "formats/random-bytes.png",
            "formats/text-as-image.jpg", "formats/bomb-30000x30000.png");

    private static SqsClient sqs;
    private static S3Client s3;
    private static OpenSearchClient openSearch;
    private static String run;

    @BeforeAll
    static void clients() {
        sqs = LocalStack.sqs();
        s3 = LocalStack.s3();
        openSearch = LocalStack.openSearchClient();
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterAll
    static void close() throws Exception {
        sqs.close();
        s3.close();
        openSearch._transport().close();
    }

    /** A key like an uploader would produce: folders, a space and a non-ASCII letter. */
    private static String keyFor(String file) {
        return "it-" + run + "/Été 2024/" + file.replace("formats/", "formats dir/");
    }

    private static byte[] upload(String key, Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
        return bytes;
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    private static String newIndex(String purpose) throws Exception {
        String index = ("cis-it-" + purpose + "-" + run).toLowerCase();
        new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
        return index;
    }

    private static JsonNode document(String index, String id) throws Exception {
        var response = openSearch.get(g -> g.index(index).id(id), ObjectNode.class);
        return response.found() ? response.source() : null;
    }

    private static Map<String, String> workerEnv(TestQueues queues, String index) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SQS_QUEUE_URL", queues.queueUrl());
        env.put("OPENSEARCH_INDEX", index);
        env.put("EXIT_WHEN_IDLE_SECONDS", "5");
        return env;
    }

    private static String s3Notification(List<S3ObjectRef> objects) throws Exception {
        ArrayNode records = JSON.createArrayNode();
        for (S3ObjectRef object : objects) {
            records.add(JSON.readTree(S3NotificationPublisher.notification(object)).path("Records").get(0));
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("Records", records);
        return body.toString();
    }

    private static String snsWrapped(String inner) {
        ObjectNode sns = JSON.createObjectNode().put("Type", "Notification").put("MessageId", UUID.randomUUID().toString())
                .put("TopicArn", "arn:aws:sns:us-east-1:000000000000:cis").put("Subject", "Amazon S3 Notification")
                .put("Message", inner).put("Timestamp", "2026-11-22T00:00:00.000Z");
        return sns.toString();
    }

    private static String eventBridge(S3ObjectRef object) {
        ObjectNode event = JSON.createObjectNode().put("version", "0").put("id", UUID.randomUUID().toString())
                .put("detail-type", "Object Created").put("source", "aws.s3").put("account", "000000000000")
                .put("time", "2026-11-22T00:00:00Z").put("region", "us-east-1");
        ObjectNode detail = event.putObject("detail");
        detail.put("version", "0");
        detail.putObject("bucket").put("name", object.bucket());
        detail.putObject("object").put("key", object.key()).put("size", object.size());
        detail.put("reason", "PutObject");
        return event.toString();
    }

    private static String legacy(String id, S3ObjectRef object) {
        return JSON.createObjectNode().put("id", id).put("s3_url", object.s3Url()).toString();
    }

    @Test
    void everyPhotoEndsWithItsReferenceVectorAndEveryBadInputWithItsOutcome() throws Exception {
        String index = newIndex("main");
        TestQueues queues = TestQueues.create(sqs, "it-main", 3, 30);
        List<ClipReference.Image> photos = ClipReference.images().stream().filter(ClipReference.Image::decodable).toList();
        Map<String, ClipReference.Image> byDocument = new LinkedHashMap<>();
        Map<String, String> hashByDocument = new LinkedHashMap<>();
        List<S3ObjectRef> viaS3Batch = new ArrayList<>();
        int form = 0;
        for (ClipReference.Image photo : photos) {
            String key = keyFor(photo.file());
            byte[] bytes = upload(key, photo.path());
            S3ObjectRef object = new S3ObjectRef(BUCKET, key, null, (long) bytes.length, null);
            String documentId = key;
            switch (form++ % 4) {
                case 0 -> viaS3Batch.add(object); // sent three records to a message below
                case 1 -> queues.send(snsWrapped(s3Notification(List.of(object))));
                case 2 -> queues.send(eventBridge(object));
                default -> {
                    documentId = "legacy-" + run + "-" + form;
                    queues.send(legacy(documentId, object));
                }
            }
            byDocument.put(documentId, photo);
            hashByDocument.put(documentId, md5(bytes));
        }
        for (int i = 0; i < viaS3Batch.size(); i += 3) {
            queues.send(s3Notification(viaS3Batch.subList(i, Math.min(viaS3Batch.size(), i + 3))));
        }
        // Bad inputs: documents exist (as the indexer would have created them), so failures are recorded on them.
        for (String bad : BAD_INPUTS) {
            String key = keyFor(bad);
            byte[] bytes = upload(key, ClipReference.SHARED_IMAGES.resolve(bad));
            openSearch.index(i -> i.index(index).id(key).document(Map.of("s3_key", key, "s3_bucket", BUCKET)));
            queues.send(s3Notification(List.of(new S3ObjectRef(BUCKET, key, null, (long) bytes.length, null))));
        }
        String textKey = "it-" + run + "/notes.txt";
        s3.putObject(b -> b.bucket(BUCKET).key(textKey), RequestBody.fromString("not an image"));
        queues.send(s3Notification(List.of(S3ObjectRef.of(BUCKET, textKey))));
        queues.send("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-22T00:00:00Z\",\"Bucket\":\"cis-images\"}");
        queues.send(s3Notification(List.of(S3ObjectRef.of(BUCKET, keyFor("astronaut.png"))))
                .replace("ObjectCreated:Put", "ObjectRemoved:Delete"));
        queues.send("this is not json");

        try (WorkerProcess worker = WorkerProcess.start("queue-to-index", workerEnv(queues, index))) {
            assertEquals(0, worker.awaitExit(Duration.ofMinutes(4)), "worker exit code; log " + worker.log());
            openSearch.indices().refresh(r -> r.index(index));

            double worst = 1;
            for (Map.Entry<String, ClipReference.Image> entry : byDocument.entrySet()) {
                JsonNode doc = document(index, entry.getKey());
                assertTrue(doc != null, "no document " + entry.getKey());
                assertTrue(doc.path("has_image_embedding").asBoolean(), entry.getKey());
                assertEquals(ClipReference.modelName(), doc.path("image_embedding_model").asText());
                assertEquals(hashByDocument.get(entry.getKey()), doc.path("image_hash").asText());
                assertFalse(doc.path("image_embedding_updated_at").asText().isEmpty());
                double cosine = VectorMath.cosine(ClipReference.floats(doc.path("image_embedding")), entry.getValue().embedding());
                worst = Math.min(worst, cosine);
                assertTrue(cosine >= 0.9999, entry.getValue().file() + " cosine " + cosine);
            }
            System.out.printf("queue-to-index: %d photos indexed, min cosine to reference %.6f%n", byDocument.size(), worst);

            for (String bad : BAD_INPUTS) {
                JsonNode doc = document(index, keyFor(bad));
                assertFalse(doc.path("has_image_embedding").asBoolean(), bad);
                assertFalse(doc.path("image_embedding_error").asText().isEmpty(), bad + " has no recorded error: " + doc);
            }
            Map<String, JsonNode> outcomes = worker.outcomesByUrl();
            assertEquals("skipped", outcomes.get("s3://" + BUCKET + "/" + textKey).path("outcome").asText());
            for (String bad : BAD_INPUTS) {
                assertEquals("failed_permanent", outcomes.get("s3://" + BUCKET + "/" + keyFor(bad)).path("outcome").asText(), bad);
            }
            assertTrue(worker.logLines().stream().anyMatch(l -> l.path("message").asText().equals("unparseable message deleted")));
            assertEquals(0, queues.count(queues.queueUrl()), "main queue must be empty");
            assertEquals(0, queues.count(queues.dlqUrl()), "dead-letter queue must be empty");
        } finally {
            queues.delete();
            openSearch.indices().delete(d -> d.index(index));
        }
    }
}

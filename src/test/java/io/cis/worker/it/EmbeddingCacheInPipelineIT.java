package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.Documents;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.Metrics;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The DynamoDB cache inside the running worker: shared with the old Lambda, and skipping inference on a hit. */
class EmbeddingCacheInPipelineIT {

    private static final String BUCKET = "cis-images";

    @Test
    void sameBytesUnderTwoKeysAreEmbeddedOnceAndLambdaEntriesAreHits() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String index = "cis-it-cache-" + run;
        int metricsPort = Metrics.freePort();
        try (SqsClient sqs = LocalStack.sqs(); S3Client s3 = LocalStack.s3(); DynamoDbClient dynamo = LocalStack.dynamoDb()) {
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
            TestQueues queues = TestQueues.create(sqs, "it-cache", 3, 30);
            String table = LocalStack.require("EMBEDDING_CACHE_TABLE");

            ClipReference.Image chelsea = ClipReference.image("chelsea.png");
            ClipReference.Image coffee = ClipReference.image("coffee.png");
            ClipReference.Image camera = ClipReference.image("camera.png");
            // Each with a marker appended after the image data, so its MD5 is unique to this run.
            byte[] chelseaBytes = ClipReference.bytesWithMarker(chelsea, run);
            byte[] coffeeBytes = ClipReference.bytesWithMarker(coffee, run);
            byte[] cameraBytes = ClipReference.bytesWithMarker(camera, run);

            // The old Lambda's exact item format: a marker vector that inference could never produce for coffee.png.
            float[] marker = new float[512];
            marker[7] = 1f;
            putLambdaItem(dynamo, table, md5(coffeeBytes), marker, "cis-test/clip-vit-small-random");
            // An entry for another model must be a miss: camera.png must get its real vector.
            putLambdaItem(dynamo, table, md5(cameraBytes), marker, "openai/clip-vit-large-patch14");

            String first = "it-" + run + "/cats/first.png";
            String second = "it-" + run + "/elsewhere/second copy.png";
            String coffeeKey = "it-" + run + "/coffee.png";
            String cameraKey = "it-" + run + "/camera.png";
            for (var upload : Map.of(first, chelseaBytes, second, chelseaBytes, coffeeKey, coffeeBytes, cameraKey, cameraBytes).entrySet()) {
                s3.putObject(b -> b.bucket(BUCKET).key(upload.getKey()), RequestBody.fromBytes(upload.getValue()));
            }

            try (WorkerProcess worker = WorkerProcess.start("cache-in-pipeline", Map.of("SQS_QUEUE_URL", queues.queueUrl(),
                    "OPENSEARCH_INDEX", index, "EXIT_WHEN_IDLE_SECONDS", "4", "METRICS_PORT", Integer.toString(metricsPort)))) {
                queues.send(S3NotificationPublisher.notification(S3ObjectRef.of(BUCKET, first)));
                JsonNode firstDoc = Documents.await(openSearch, index, first, Documents::embedded, Duration.ofSeconds(90));
                double batchesBefore = Metrics.sum(Metrics.scrape(metricsPort), "cis_inference_batch_size_count");

                queues.send(S3NotificationPublisher.notification(S3ObjectRef.of(BUCKET, second)));
                queues.send(S3NotificationPublisher.notification(S3ObjectRef.of(BUCKET, coffeeKey)));
                JsonNode secondDoc = Documents.await(openSearch, index, second, Documents::embedded, Duration.ofSeconds(60));
                JsonNode coffeeDoc = Documents.await(openSearch, index, coffeeKey, Documents::embedded, Duration.ofSeconds(60));
                String scrape = Metrics.scrape(metricsPort);
                assertEquals(batchesBefore, Metrics.sum(scrape, "cis_inference_batch_size_count"),
                        "cache hits must not run inference");
                assertTrue(Metrics.sum(scrape, "cis_cache_hits_total") >= 2, scrape);
                // The second copy's bytes were stored in memory after the first was embedded; coffee.png's entry is
                // only in DynamoDB, so the in-process cache passed it on.
                assertTrue(Metrics.sum(scrape, "cache_gets_total", "cache=\"local_embeddings\",result=\"hit\"") >= 1, scrape);
                assertTrue(Metrics.sum(scrape, "cache_gets_total", "cache=\"local_embeddings\",result=\"miss\"") >= 1, scrape);

                queues.send(S3NotificationPublisher.notification(S3ObjectRef.of(BUCKET, cameraKey)));
                JsonNode cameraDoc = Documents.await(openSearch, index, cameraKey, Documents::embedded, Duration.ofSeconds(60));
                assertEquals(0, worker.awaitExit(Duration.ofMinutes(2)));

                assertArrayEquals(ClipReference.floats(firstDoc.path("image_embedding")),
                        ClipReference.floats(secondDoc.path("image_embedding")));
                assertTrue(VectorMath.cosine(ClipReference.floats(firstDoc.path("image_embedding")), chelsea.embedding()) >= 0.9999);
                assertArrayEquals(marker, ClipReference.floats(coffeeDoc.path("image_embedding")), "the Lambda's entry was used");
                assertTrue(VectorMath.cosine(ClipReference.floats(cameraDoc.path("image_embedding")), camera.embedding()) >= 0.9999,
                        "another model's entry must be a miss");
                assertEquals(true, worker.outcomesByUrl().get("s3://" + BUCKET + "/" + second).path("cache_hit").asBoolean());
            } finally {
                queues.delete();
                openSearch.indices().delete(d -> d.index(index));
                openSearch._transport().close();
            }
        }
    }

    private static void putLambdaItem(DynamoDbClient dynamo, String table, String hash, float[] vector, String model) {
        List<AttributeValue> values = new ArrayList<>();
        for (float v : vector) {
            values.add(AttributeValue.fromN(Double.toString(v)));
        }
        long now = Instant.now().getEpochSecond();
        dynamo.putItem(b -> b.tableName(table).item(Map.of(
                "image_hash", AttributeValue.fromS(hash),
                "embedding", AttributeValue.fromL(values),
                "dimension", AttributeValue.fromN(Integer.toString(vector.length)),
                "model", AttributeValue.fromS(model),
                "created_at", AttributeValue.fromN(Long.toString(now)),
                "ttl", AttributeValue.fromN(Long.toString(now + 30 * 86_400)))));
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}

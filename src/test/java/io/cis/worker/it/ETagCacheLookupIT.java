package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.cache.ImageHashes;
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
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Cache hits without downloads, in the running worker against the local stack: a notification whose ETag is the
 * object's MD5 (a single-part upload, as the local S3 and S3 make it) finds the cached vector with no S3 GET; a
 * multipart ETag and a 32-hex ETag that is not the MD5 (an SSE-KMS object's) are downloaded, and the vector is right.
 * S3 GETs are counted by the worker's fetch-stage timer (one per object fetched).
 */
class ETagCacheLookupIT {

    private static final String BUCKET = "cis-images";

    @Test
    void aCachedImageWithAnMd5ETagIsIndexedWithoutADownloadAndOtherETagsAreDownloaded() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String index = "cis-it-etag-" + run;
        int metricsPort = Metrics.freePort();
        try (SqsClient sqs = LocalStack.sqs(); S3Client s3 = LocalStack.s3(); DynamoDbClient dynamo = LocalStack.dynamoDb()) {
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
            TestQueues queues = TestQueues.create(sqs, "it-etag", 3, 30);
            String table = LocalStack.require("EMBEDDING_CACHE_TABLE");

            ClipReference.Image chelsea = ClipReference.image("chelsea.png");
            ClipReference.Image coffee = ClipReference.image("coffee.png");
            byte[] chelseaBytes = ClipReference.bytesWithMarker(chelsea, run); // an MD5 unique to this run
            byte[] coffeeBytes = ClipReference.bytesWithMarker(coffee, run);
            String chelseaMd5 = ImageHashes.md5Hex(chelseaBytes);

            String original = "it-" + run + "/original.png";
            String copy = "it-" + run + "/copy.png";
            String multipart = "it-" + run + "/multipart.png";
            String encrypted = "it-" + run + "/encrypted.png";
            s3.putObject(b -> b.bucket(BUCKET).key(original), RequestBody.fromBytes(chelseaBytes));
            s3.putObject(b -> b.bucket(BUCKET).key(copy), RequestBody.fromBytes(chelseaBytes));
            s3.putObject(b -> b.bucket(BUCKET).key(encrypted), RequestBody.fromBytes(coffeeBytes));
            uploadInOnePart(s3, multipart, chelseaBytes);

            // The local S3 gives what S3 gives: a single-part upload's ETag is its MD5, a multipart one's is not.
            assertEquals(chelseaMd5, head(s3, copy).eTag().replace("\"", ""));
            String multipartETag = head(s3, multipart).eTag();
            assertTrue(multipartETag.endsWith("-1\""), multipartETag);

            try (WorkerProcess worker = WorkerProcess.start("etag-cache-lookup", Map.of("SQS_QUEUE_URL", queues.queueUrl(),
                    "OPENSEARCH_INDEX", index, "METRICS_PORT", Integer.toString(metricsPort)))) {
                // First sight: the ETag misses, the object is downloaded, embedded and cached under its MD5.
                queues.send(notification(s3, original));
                JsonNode originalDoc = Documents.await(openSearch, index, original, Documents::embedded, Duration.ofSeconds(90));
                assertEquals(1, gets(metricsPort));

                // (a) The same bytes under another key: a hit by the ETag, no GET.
                queues.send(notification(s3, copy));
                JsonNode copyDoc = Documents.await(openSearch, index, copy, Documents::embedded, Duration.ofSeconds(60));
                assertEquals(1, gets(metricsPort), "a cache hit by ETag must not download the object");
                assertEquals(chelseaMd5, copyDoc.path("image_hash").asText());
                assertArrayEquals(ClipReference.floats(originalDoc.path("image_embedding")),
                        ClipReference.floats(copyDoc.path("image_embedding")));
                assertEquals(1.0, Metrics.sum(Metrics.scrape(metricsPort), "cis_cache_hits_without_download_total"));

                // (b) A multipart ETag is never a cache key: downloaded, then a hit by the real MD5.
                queues.send(notification(s3, multipart));
                JsonNode multipartDoc = Documents.await(openSearch, index, multipart, Documents::embedded, Duration.ofSeconds(60));
                assertEquals(2, gets(metricsPort), "a multipart ETag must lead to a download");
                assertArrayEquals(ClipReference.floats(originalDoc.path("image_embedding")),
                        ClipReference.floats(multipartDoc.path("image_embedding")));

                // (c) A 32-hex ETag that is not the MD5 (an SSE-KMS object's): a miss, a download, the right vector.
                String kmsETag = ImageHashes.md5Hex(("not the content " + run).getBytes());
                queues.send(S3NotificationPublisher.notification(
                        new S3ObjectRef(BUCKET, encrypted, null, (long) coffeeBytes.length, kmsETag)));
                JsonNode encryptedDoc = Documents.await(openSearch, index, encrypted, Documents::embedded, Duration.ofSeconds(60));
                assertEquals(3, gets(metricsPort), "a wrong ETag must lead to a download");
                assertTrue(VectorMath.cosine(ClipReference.floats(encryptedDoc.path("image_embedding")), coffee.embedding()) >= 0.9999);
                assertEquals(ImageHashes.md5Hex(coffeeBytes), encryptedDoc.path("image_hash").asText());
                assertTrue(cached(dynamo, table, ImageHashes.md5Hex(coffeeBytes)), "cached under the MD5 of the bytes");
                assertFalse(cached(dynamo, table, kmsETag), "never cached under an ETag");

                Map<String, JsonNode> outcomes = worker.outcomesByUrl();
                assertOutcome(outcomes, copy, true, false);
                assertOutcome(outcomes, multipart, true, true);
                assertOutcome(outcomes, encrypted, false, true);
            } finally {
                queues.delete();
                openSearch.indices().delete(d -> d.index(index));
                openSearch._transport().close();
            }
        }
    }

    private static HeadObjectResponse head(S3Client s3, String key) {
        return s3.headObject(b -> b.bucket(BUCKET).key(key));
    }

    /** The notification S3 would send, size and ETag as S3 reports them (what `enqueue` sends too). */
    private static String notification(S3Client s3, String key) {
        HeadObjectResponse head = head(s3, key);
        return S3NotificationPublisher.notification(new S3ObjectRef(BUCKET, key, null, head.contentLength(), head.eTag()));
    }

    private static void uploadInOnePart(S3Client s3, String key, byte[] bytes) {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        String partETag = s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(bytes)).eTag();
        s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(partETag).build())));
    }

    /** S3 GETs so far: the fetch stage runs once per object downloaded. */
    private static long gets(int metricsPort) throws Exception {
        double total = 0;
        for (String line : Metrics.scrape(metricsPort).split("\n")) {
            if (line.startsWith("cis_stage_time_seconds_count{") && line.contains("stage=\"fetch\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Math.round(total);
    }

    private static boolean cached(DynamoDbClient dynamo, String table, String hash) {
        return dynamo.getItem(b -> b.tableName(table).key(Map.of("image_hash", AttributeValue.fromS(hash)))).hasItem();
    }

    private static void assertOutcome(Map<String, JsonNode> outcomes, String key, boolean cacheHit, boolean downloaded) {
        JsonNode line = outcomes.get("s3://" + BUCKET + "/" + key);
        assertEquals("indexed", line.path("outcome").asText(), line.toString());
        assertEquals(cacheHit, line.path("cache_hit").asBoolean(), line.toString());
        assertEquals(downloaded, line.path("downloaded").asBoolean(), line.toString());
    }
}

package io.cis.worker.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.cache.ImageHashes;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Overwrites, late duplicates and deletes of one key, in the running worker against the local stack: the document
 * only ever moves forward. S3 and SQS deliver at least once, so a notification of a key's old picture can come back
 * after the new one was indexed; its ETag names the old picture's MD5, which the cache holds. Before, that hit was
 * written without any S3 call and put the old vector back for good; now the newer picture stays.
 */
class NewestPictureWinsIT {

    private static final String BUCKET = "cis-images";
    private static final String S1 = "0066432E7F5B6D1A2C";
    private static final String S2 = "0066432E7F5B6D1A3D";

    @Test
    void aLateOrRepeatedNotificationNeverBringsAnOlderPictureBack() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String index = "cis-it-newest-" + run;
        try (SqsClient sqs = LocalStack.sqs(); S3Client s3 = LocalStack.s3()) {
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
            TestQueues queues = TestQueues.create(sqs, "it-newest", 3, 30);

            ClipReference.Image chelsea = ClipReference.image("chelsea.png");
            ClipReference.Image coffee = ClipReference.image("coffee.png");
            byte[] a = ClipReference.bytesWithMarker(chelsea, run); // MD5s unique to this run
            byte[] b = ClipReference.bytesWithMarker(coffee, run);
            String md5A = ImageHashes.md5Hex(a);
            String md5B = ImageHashes.md5Hex(b);
            String overwritten = "it-" + run + "/overwritten.png";
            String deleted = "it-" + run + "/deleted.png";
            String racedOldFirst = "it-" + run + "/raced-old-first.png";
            String racedNewFirst = "it-" + run + "/raced-new-first.png";

            try (WorkerProcess worker = WorkerProcess.start("newest-picture-wins", Map.of(
                    "SQS_QUEUE_URL", queues.queueUrl(), "OPENSEARCH_INDEX", index,
                    "METRICS_PORT", Integer.toString(Metrics.freePort())))) {
                // K = A, then K = B, each notification processed in turn (A and B end up in the cache).
                putAndIndex(s3, queues, openSearch, index, overwritten, a, S1);
                JsonNode current = putAndIndex(s3, queues, openSearch, index, overwritten, b, S2);

                // The late duplicate of A's notification: a cache hit by its ETag, but the key holds B now.
                queues.send(notification(overwritten, md5A, S1));
                JsonNode late = awaitOutcome(worker, overwritten, 3);
                assertEquals("skipped", late.path("outcome").asText(), late.toString());
                assertEquals("superseded", late.path("reason").asText(), late.toString());
                assertCurrent(openSearch, index, overwritten, md5B, current);

                // The current version's notification again: still a no-op, not superseded.
                queues.send(notification(overwritten, md5B, S2));
                JsonNode replay = awaitOutcome(worker, overwritten, 4);
                assertEquals("indexed", replay.path("outcome").asText(), replay.toString());
                assertTrue(replay.path("document_unchanged").asBoolean(), replay.toString());
                assertCurrent(openSearch, index, overwritten, md5B, current);

                // A deleted key: A, then B, then deleted; A's notification comes back. The HEAD finds nothing,
                // and the failure of that older picture is not recorded over B either.
                putAndIndex(s3, queues, openSearch, index, deleted, a, S1);
                JsonNode beforeDelete = putAndIndex(s3, queues, openSearch, index, deleted, b, S2);
                s3.deleteObject(d -> d.bucket(BUCKET).key(deleted));
                queues.send(notification(deleted, md5A, S1));
                JsonNode gone = awaitOutcome(worker, deleted, 3);
                assertEquals("superseded", gone.path("reason").asText(), gone.toString());
                assertCurrent(openSearch, index, deleted, md5B, beforeDelete);

                // Two versions of one key in flight at once, in both orders in one receive: K holds B (cached),
                // A's notification (a stale ETag: HEAD, download, embed) and B's (a confirmed cache hit) race.
                put(s3, racedOldFirst, b);
                put(s3, racedNewFirst, b);
                queues.send(notification(racedOldFirst, md5A, S1));
                queues.send(notification(racedOldFirst, md5B, S2));
                queues.send(notification(racedNewFirst, md5B, S2));
                queues.send(notification(racedNewFirst, md5A, S1));
                for (String key : List.of(racedOldFirst, racedNewFirst)) {
                    awaitOutcome(worker, key, 2);
                    JsonNode doc = Documents.get(openSearch, index, key);
                    assertEquals(md5B, doc.path("image_hash").asText(), key);
                    assertEquals(S2.substring(2), doc.path("image_source_sequencer").asText(), "the newer event's, " + key);
                    assertArrayEquals(ClipReference.floats(current.path("image_embedding")),
                            ClipReference.floats(doc.path("image_embedding")), key);
                }
                assertEquals(0, queues.count(queues.dlqUrl()), "nothing dead-lettered");
            } finally {
                queues.delete();
                openSearch.indices().delete(d -> d.index(index));
                openSearch._transport().close();
            }
        }
    }

    /** PUT key = bytes, its notification (ETag = MD5, the given sequencer), and the document once it holds them. */
    private static JsonNode putAndIndex(S3Client s3, TestQueues queues, OpenSearchClient openSearch, String index,
                                        String key, byte[] bytes, String sequencer) throws Exception {
        String md5 = ImageHashes.md5Hex(bytes);
        put(s3, key, bytes);
        queues.send(notification(key, md5, sequencer));
        return Documents.await(openSearch, index, key, doc -> md5.equals(doc.path("image_hash").asText()), Duration.ofSeconds(90));
    }

    private static void put(S3Client s3, String key, byte[] bytes) {
        s3.putObject(p -> p.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
    }

    /** What S3 sends for a PUT of the key: the ETag is the MD5 of the single-part upload, with its sequencer. */
    private static String notification(String key, String md5, String sequencer) {
        return S3NotificationPublisher.notification(new S3ObjectRef(BUCKET, key, null, null, md5, sequencer));
    }

    /** The n-th outcome line of the key (waiting for it), in log order. */
    private static JsonNode awaitOutcome(WorkerProcess worker, String key, int n) throws InterruptedException {
        String url = "s3://" + BUCKET + "/" + key;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<JsonNode> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = new ArrayList<>();
            for (JsonNode line : worker.logLines()) {
                if (line.has("outcome") && url.equals(line.path("s3_url").asText())) {
                    lines.add(line);
                }
            }
            if (lines.size() >= n) {
                return lines.get(n - 1);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no outcome line " + n + " for " + url + "; seen: " + lines);
    }

    private static void assertCurrent(OpenSearchClient openSearch, String index, String key, String md5,
                                      JsonNode expected) throws Exception {
        JsonNode doc = Documents.get(openSearch, index, key);
        assertEquals(md5, doc.path("image_hash").asText(), "the newer picture's hash stays on " + key);
        assertArrayEquals(ClipReference.floats(expected.path("image_embedding")),
                ClipReference.floats(doc.path("image_embedding")), "the newer picture's vector stays on " + key);
        assertEquals(expected.path("image_source_sequencer").asText(), doc.path("image_source_sequencer").asText());
    }
}

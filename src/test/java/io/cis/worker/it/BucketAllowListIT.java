package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.Documents;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.Metrics;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * S3_BUCKETS in the running worker, the backfill and enqueue, against the local stack: the same picture lies in the
 * trusted bucket and in a second bucket that is not listed. Only the trusted one is fetched and indexed; a
 * notification and an old-worker message for the other are skipped as bucket_not_allowed, once each, counted, their
 * messages deleted; `enqueue` and `backfill --bucket` refuse the other bucket, and a backfill document naming it is
 * skipped. S3_EXPECTED_BUCKET_OWNER is not set here: the local S3 (S3Proxy 4.1) answered the worker's GetObject
 * carrying x-amz-expected-bucket-owner with 501 NotImplemented, so the owner check is shown by the unit tests on the
 * SDK's own requests (S3ObjectFetcherTest, S3BackfillSourceTest, EnqueueCommandTest), not against a server.
 */
class BucketAllowListIT {

    private static final String TRUSTED = "cis-images";

    @Test
    void onlyTheListedBucketIsReadByTheWorkerTheBackfillAndEnqueue() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String stranger = "not-ours-" + run;
        String index = "cis-it-buckets-" + run;
        String trustedKey = "it-" + run + "/trusted.png";
        String strangerKey = "it-" + run + "/stranger.png";
        String legacyKey = "it-" + run + "/legacy.png";
        int metricsPort = Metrics.freePort();
        TestQueues queues = null;
        try (SqsClient sqs = LocalStack.sqs(); S3Client s3 = LocalStack.s3()) {
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
            queues = TestQueues.create(sqs, "it-buckets", 2, 30);
            byte[] photo = Files.readAllBytes(ClipReference.image("chelsea.png").path());
            s3.createBucket(b -> b.bucket(stranger));
            s3.putObject(b -> b.bucket(TRUSTED).key(trustedKey), RequestBody.fromBytes(photo));
            s3.putObject(b -> b.bucket(stranger).key(strangerKey), RequestBody.fromBytes(photo));
            s3.putObject(b -> b.bucket(stranger).key(legacyKey), RequestBody.fromBytes(photo));

            Map<String, String> settings = new HashMap<>(Map.of("SQS_QUEUE_URL", queues.queueUrl(),
                    "OPENSEARCH_INDEX", index, "S3_BUCKETS", TRUSTED, "S3_FORCE_PATH_STYLE", "true"));
            try (WorkerProcess worker = WorkerProcess.start("bucket-allow-list-" + run,
                    with(settings, "METRICS_PORT", Integer.toString(metricsPort)))) {
                queues.send(notification(stranger, strangerKey, photo.length));
                queues.send("{\"id\": \"legacy-" + run + "\", \"s3_url\": \"s3://" + stranger + "/" + legacyKey + "\"}");
                queues.send(notification(TRUSTED, trustedKey, photo.length));

                Documents.await(openSearch, index, trustedKey, Documents::embedded, Duration.ofSeconds(90));
                awaitEmpty(queues, Duration.ofSeconds(30));

                Map<String, JsonNode> outcomes = worker.outcomesByUrl();
                assertEquals("indexed", outcomes.get("s3://" + TRUSTED + "/" + trustedKey).path("outcome").asText());
                for (String url : List.of("s3://" + stranger + "/" + strangerKey, "s3://" + stranger + "/" + legacyKey)) {
                    JsonNode line = outcomes.get(url);
                    assertNotNull(line, url + " has its outcome line; log: " + worker.log().toAbsolutePath());
                    assertEquals("skipped", line.path("outcome").asText(), line.toString());
                    assertEquals("bucket_not_allowed", line.path("reason").asText(), line.toString());
                    assertTrue(line.path("detail").asText().contains(stranger), line.toString());
                    assertEquals(1, worker.logLines().stream().filter(l -> url.equals(l.path("s3_url").asText())).count(),
                            url + " logged once");
                }
                String scrape = Metrics.scrape(metricsPort);
                assertEquals(2.0, Metrics.sum(scrape, "cis_items_total", "reason=\"bucket_not_allowed\""), scrape);
                assertEquals(1.0, Metrics.sum(scrape, "cis_stage_time_seconds_count", "stage=\"fetch\""),
                        "only the trusted object was fetched");
                assertNull(Documents.get(openSearch, index, strangerKey), "nothing indexed for the other bucket");
                assertEquals(0, queues.count(queues.dlqUrl()), "skips are final: deleted, never dead-lettered");
                assertTrue(worker.logLines().stream().anyMatch(l -> l.path("message").asText()
                        .startsWith("only objects in S3_BUCKETS are fetched")), "the start-up line names the choice");
            }

            // enqueue: the other bucket is refused before any call; the trusted one goes out.
            WorkerProcess refused = WorkerProcess.start("bucket-enqueue-refused-" + run, settings,
                    "enqueue", "--bucket", stranger, strangerKey);
            assertEquals(2, refused.awaitExit(Duration.ofSeconds(60)), "log: " + refused.log().toAbsolutePath());
            assertTrue(Files.readString(refused.log()).contains("bucket_not_allowed"));
            WorkerProcess accepted = WorkerProcess.start("bucket-enqueue-accepted-" + run, settings,
                    "enqueue", "--path-style", "--bucket", TRUSTED, trustedKey);
            assertEquals(0, accepted.awaitExit(Duration.ofSeconds(60)), "log: " + accepted.log().toAbsolutePath());
            assertEquals(1, queues.count(queues.queueUrl()), "only the trusted notification was enqueued");

            // backfill: --bucket outside the list is bad usage; a document naming the other bucket is skipped.
            WorkerProcess listing = WorkerProcess.start("bucket-backfill-refused-" + run, settings,
                    "--backfill", "--source", "s3", "--bucket", stranger, "--dry-run");
            assertEquals(2, listing.awaitExit(Duration.ofSeconds(60)), "log: " + listing.log().toAbsolutePath());
            openSearch.index(i -> i.index(index).id(strangerKey).document(Map.of("s3_bucket", stranger, "s3_key", strangerKey))
                    .refresh(org.opensearch.client.opensearch._types.Refresh.True));
            WorkerProcess backfill = WorkerProcess.start("bucket-backfill-" + run, settings, "--backfill");
            int exit = backfill.awaitExit(Duration.ofMinutes(3));
            JsonNode summary = backfill.logLines().stream()
                    .filter(l -> "backfill finished".equals(l.path("message").asText())).findFirst().orElseThrow();
            assertEquals(0, exit, summary.toString());
            // Passed over before selection (it counts against neither --limit nor the rate limit), with a line of its own.
            assertEquals(0, summary.path("selected").asLong(), summary.toString());
            assertEquals(1, summary.path("skipped_by_reason").path("bucket_not_allowed").asLong(), summary.toString());
            String strangerUrl = "s3://" + stranger + "/" + strangerKey;
            assertEquals(1, backfill.logLines().stream().filter(l -> strangerUrl.equals(l.path("s3_url").asText())
                    && "bucket_not_allowed".equals(l.path("reason").asText())).count(), "log: " + backfill.log().toAbsolutePath());
            assertTrue(!Documents.embedded(Documents.get(openSearch, index, strangerKey)), "the document was left alone");
            queues.delete();
            queues = null;
        } finally {
            try (S3Client s3 = LocalStack.s3(); SqsClient sqs = LocalStack.sqs()) {
                if (queues != null) {
                    new TestQueues(sqs, queues.queueUrl(), queues.dlqUrl()).delete();
                }
                LocalStack.deleteObjects(s3, stranger, List.of(strangerKey, legacyKey));
                s3.deleteBucket(b -> b.bucket(stranger));
                LocalStack.deleteObjects(s3, TRUSTED, List.of(trustedKey));
            }
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            openSearch.indices().delete(d -> d.index(index));
            openSearch._transport().close();
        }
    }

    private static Map<String, String> with(Map<String, String> settings, String name, String value) {
        Map<String, String> copy = new HashMap<>(settings);
        copy.put(name, value);
        return copy;
    }

    private static String notification(String bucket, String key, long size) {
        return S3NotificationPublisher.notification(new S3ObjectRef(bucket, key, null, size, null));
    }

    private static void awaitEmpty(TestQueues queues, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (queues.count(queues.queueUrl()) > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("messages left on the queue after " + timeout);
            }
            Thread.sleep(200);
        }
    }
}

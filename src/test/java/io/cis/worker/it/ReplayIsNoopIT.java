package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.cache.ImageHashes;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.Documents;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.GetResponse;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A replayed notification rewrites nothing: the document's image_embedding_updated_at is the cache entry's
 * created_at, so the second and third writes of the same image send the same partial document and OpenSearch
 * answers "noop" (same _version and _seq_no, counted in the index's noop_update_total). The worker sees it too:
 * each replay's outcome line says document_unchanged, as many as OpenSearch counted.
 */
class ReplayIsNoopIT {

    private static final String BUCKET = "cis-images";

    @Test
    void aReplayedNotificationLeavesTheDocumentUntouchedWhetherTheHitIsInMemoryOrInDynamoDb() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String index = "cis-it-replay-" + run;
        try (SqsClient sqs = LocalStack.sqs(); S3Client s3 = LocalStack.s3(); DynamoDbClient dynamo = LocalStack.dynamoDb()) {
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
            TestQueues queues = TestQueues.create(sqs, "it-replay", 3, 30);
            String table = LocalStack.require("EMBEDDING_CACHE_TABLE");
            // Bytes unique to this run, so the first delivery is a cache miss and really computes the embedding.
            byte[] bytes = ClipReference.bytesWithMarker(ClipReference.image("chelsea.png"), run);
            String key = "it-" + run + "/replayed.png";
            String url = "s3://" + BUCKET + "/" + key;
            s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
            String notification = S3NotificationPublisher.notification(S3ObjectRef.of(BUCKET, key));
            Map<String, String> env = Map.of("SQS_QUEUE_URL", queues.queueUrl(), "OPENSEARCH_INDEX", index,
                    "EXIT_WHEN_IDLE_SECONDS", "4");
            try {
                GetResponse<ObjectNode> written;
                GetResponse<ObjectNode> replayedInMemory;
                long workerSawUnchanged = 0;
                try (WorkerProcess worker = WorkerProcess.start("replay-first", env)) {
                    queues.send(notification);
                    Documents.await(openSearch, index, key, Documents::embedded, Duration.ofSeconds(90));
                    written = openSearch.get(g -> g.index(index).id(key), ObjectNode.class);
                    // Not before a second has passed: a time of the write would now differ from the first one.
                    Thread.sleep(1100);

                    queues.send(notification); // a redelivery: the same worker, the in-process cache's hit
                    assertEquals(0, worker.awaitExit(Duration.ofMinutes(2)));
                    assertEquals(2, indexedLines(worker, url), "both deliveries were indexed");
                    assertTrue(worker.outcomesByUrl().get(url).path("cache_hit").asBoolean());
                    assertEquals(List.of(false, true), unchangedFields(worker, url),
                            "the first delivery wrote the document, the redelivery left it unchanged");
                    workerSawUnchanged += unchangedFields(worker, url).stream().filter(u -> u).count();
                    replayedInMemory = openSearch.get(g -> g.index(index).id(key), ObjectNode.class);
                }

                String createdAt = dynamo.getItem(b -> b.tableName(table)
                        .key(Map.of("image_hash", AttributeValue.fromS(ImageHashes.md5Hex(bytes))))).item()
                        .get("created_at").n();
                JsonNode doc = written.source();
                assertEquals(Instant.ofEpochSecond(Long.parseLong(createdAt)).toString(),
                        doc.path("image_embedding_updated_at").asText(), "the cache entry's time, to the second");
                assertSameVersion(written, replayedInMemory);

                GetResponse<ObjectNode> replayedFromDynamoDb;
                try (WorkerProcess worker = WorkerProcess.start("replay-second", env)) {
                    queues.send(notification); // a re-run: a new worker, whose hit comes from DynamoDB
                    assertEquals(0, worker.awaitExit(Duration.ofMinutes(2)));
                    assertEquals(1, indexedLines(worker, url));
                    assertTrue(worker.outcomesByUrl().get(url).path("cache_hit").asBoolean());
                    assertEquals(List.of(true), unchangedFields(worker, url), "the re-run left the document unchanged");
                    workerSawUnchanged += unchangedFields(worker, url).stream().filter(u -> u).count();
                    replayedFromDynamoDb = openSearch.get(g -> g.index(index).id(key), ObjectNode.class);
                }
                assertSameVersion(written, replayedFromDynamoDb);
                assertEquals(doc, replayedFromDynamoDb.source());

                long noops = openSearch.indices().stats(s -> s.index(index)).indices().get(index).primaries()
                        .indexing().noopUpdateTotal();
                assertEquals(2, noops, "both replays came back from the bulk as noop");
                assertEquals(noops, workerSawUnchanged, "the workers' document_unchanged lines match OpenSearch's count");
            } finally {
                queues.delete();
                openSearch.indices().delete(d -> d.index(index));
                openSearch._transport().close();
            }
        }
    }

    private static void assertSameVersion(GetResponse<ObjectNode> before, GetResponse<ObjectNode> after) {
        assertEquals(before.version(), after.version(), "_version: the document was not rewritten");
        assertEquals(before.seqNo(), after.seqNo(), "_seq_no: the document was not rewritten");
        assertEquals(before.source(), after.source());
    }

    /** The document_unchanged field of each indexed outcome line for the object, in the order logged. */
    private static List<Boolean> unchangedFields(WorkerProcess worker, String url) {
        return indexedOutcomes(worker, url).stream()
                .map(line -> {
                    assertTrue(line.path("document_unchanged").isBoolean(), "document_unchanged on " + line);
                    return line.path("document_unchanged").asBoolean();
                })
                .toList();
    }

    private static long indexedLines(WorkerProcess worker, String url) {
        return indexedOutcomes(worker, url).size();
    }

    private static List<JsonNode> indexedOutcomes(WorkerProcess worker, String url) {
        return worker.logLines().stream()
                .filter(line -> url.equals(line.path("s3_url").asText()) && "indexed".equals(line.path("outcome").asText()))
                .toList();
    }
}

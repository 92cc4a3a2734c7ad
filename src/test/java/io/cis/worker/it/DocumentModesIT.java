package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.DocumentIdResolver;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.Documents;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.HashMap;
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

/** DOCUMENT_ID_MODE (key, url_hash, lookup) and MISSING_DOCUMENT (upsert, fail, retry) in the running worker. */
class DocumentModesIT {

    private static final String BUCKET = "cis-images";
    private static SqsClient sqs;
    private static S3Client s3;
    private static OpenSearchClient openSearch;

    @BeforeAll
    static void clients() {
        sqs = LocalStack.sqs();
        s3 = LocalStack.s3();
        openSearch = LocalStack.openSearchClient();
    }

    @AfterAll
    static void close() throws Exception {
        sqs.close();
        s3.close();
        openSearch._transport().close();
    }

    private record Run(String index, TestQueues queues, String prefix) {
    }

    private static Run newRun(String purpose, int maxReceiveCount, int visibility) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String index = "cis-it-" + purpose + "-" + suffix;
        new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
        return new Run(index, TestQueues.create(sqs, "it-" + purpose, maxReceiveCount, visibility), "it-" + suffix + "/");
    }

    private static String uploadAndNotify(Run run, String name, String photo) {
        String key = run.prefix() + name;
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromFile(ClipReference.SHARED_IMAGES.resolve(photo)));
        run.queues().send(S3NotificationPublisher.notification(S3ObjectRef.of(BUCKET, key)));
        return key;
    }

    private static int runWorker(Run run, String name, Map<String, String> settings) throws Exception {
        Map<String, String> env = new HashMap<>(settings);
        env.put("SQS_QUEUE_URL", run.queues().queueUrl());
        env.put("OPENSEARCH_INDEX", run.index());
        env.putIfAbsent("EXIT_WHEN_IDLE_SECONDS", "4");
        try (WorkerProcess worker = WorkerProcess.start(name, env)) {
            return worker.awaitExit(Duration.ofMinutes(3));
        }
    }

    private static void cleanUp(Run run) throws Exception {
        run.queues().delete();
        openSearch.indices().delete(d -> d.index(run.index()));
    }

    @Test
    void urlHashModeUpsertsADocumentWithTheS3Fields() throws Exception {
        Run run = newRun("urlhash", 3, 30);
        try {
            String key = uploadAndNotify(run, "photos/a cat.png", "chelsea.png");
            assertEquals(0, runWorker(run, "mode-url-hash", Map.of("DOCUMENT_ID_MODE", "url_hash")));
            String id = DocumentIdResolver.urlHash(BUCKET, key);
            JsonNode doc = Documents.get(openSearch, run.index(), id);
            assertTrue(Documents.embedded(doc), "document " + id + ": " + doc);
            assertEquals(key, doc.path("s3_key").asText());
            assertEquals(BUCKET, doc.path("s3_bucket").asText());
            assertEquals("s3://" + BUCKET + "/" + key, doc.path("s3_url").asText());
            assertEquals(0, run.queues().count(run.queues().queueUrl()));
        } finally {
            cleanUp(run);
        }
    }

    @Test
    void lookupModeUpdatesTheIndexersDocumentAndRetriesAMissingOne() throws Exception {
        Run run = newRun("lookup", 2, 5);
        try {
            String knownKey = run.prefix() + "known.png";
            openSearch.index(i -> i.index(run.index()).id("file-123").document(Map.of("s3_key", knownKey, "title", "kept")));
            openSearch.indices().refresh(r -> r.index(run.index()));
            uploadAndNotify(run, "known.png", "coffee.png");
            String unknownKey = uploadAndNotify(run, "no document yet.png", "horse.png");
            assertEquals(0, runWorker(run, "mode-lookup", Map.of("DOCUMENT_ID_MODE", "lookup",
                    "SQS_VISIBILITY_TIMEOUT_SECONDS", "5", "EXIT_WHEN_IDLE_SECONDS", "12")));
            JsonNode doc = Documents.get(openSearch, run.index(), "file-123");
            assertTrue(Documents.embedded(doc), doc.toString());
            assertEquals("kept", doc.path("title").asText(), "the update must not replace the indexer's fields");
            // No document for the other key: a transient failure retried until the queue dead-letters it.
            List<String> deadLetters = run.queues().drainDeadLetters();
            assertEquals(1, deadLetters.size());
            assertTrue(deadLetters.get(0).contains("no+document+yet.png"), deadLetters.get(0));
            assertNull(Documents.get(openSearch, run.index(), unknownKey));
        } finally {
            cleanUp(run);
        }
    }

    @Test
    void failPolicyRecordsAPermanentFailureAndCreatesNothing() throws Exception {
        Run run = newRun("fail", 3, 30);
        try {
            String key = uploadAndNotify(run, "orphan.png", "coins.png");
            assertEquals(0, runWorker(run, "mode-fail", Map.of("MISSING_DOCUMENT", "fail")));
            assertNull(Documents.get(openSearch, run.index(), key));
            assertEquals(0, run.queues().count(run.queues().queueUrl()), "a permanent failure deletes the message");
            assertEquals(0, run.queues().count(run.queues().dlqUrl()));
        } finally {
            cleanUp(run);
        }
    }
}

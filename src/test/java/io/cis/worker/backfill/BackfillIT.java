package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.backfill.BackfillFixture.Doc;
import io.cis.worker.backfill.BackfillFixture.Kind;
import io.cis.worker.index.DocumentFields;
import io.cis.worker.index.OpenSearchAuth;
import io.cis.worker.index.OpenSearchClientFactory;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The backfill as operators run it ({@code java -jar target/cis-worker.jar --backfill ...}, a real process, so
 * exit codes and signals are real) against the local stack: 300 existing documents of every kind in a fresh index.
 */
class BackfillIT {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

    private static S3Client s3;
    private static DynamoDbClient dynamoDb;
    private static OpenSearchClient openSearch;
    private static String bucket;
    private static List<Doc> docs;

    private String index;
    private String cacheTable;
    private final List<WorkerProcess> processes = new ArrayList<>();

    @BeforeAll
    static void uploadImages() {
        s3 = LocalStack.s3();
        dynamoDb = LocalStack.dynamoDb();
        openSearch = new OpenSearchClientFactory(LocalStack.openSearch(), OpenSearchAuth.none()).create();
        bucket = "backfill-it-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        docs = BackfillFixture.createObjects(s3, bucket, 300);
    }

    @AfterAll
    static void deleteImages() throws IOException {
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
            s3.deleteObject(b -> b.bucket(bucket).key(object.key()));
        }
        s3.deleteBucket(b -> b.bucket(bucket));
        openSearch._transport().close();
    }

    @BeforeEach
    void freshIndexAndCache() throws IOException {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        index = "backfill-it-" + suffix;
        cacheTable = "backfill-it-cache-" + suffix;
        BackfillFixture.createIndex(openSearch, index, bucket, docs);
        dynamoDb.createTable(b -> b.tableName(cacheTable).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("image_hash").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("image_hash").keyType(KeyType.HASH).build()));
    }

    @AfterEach
    void cleanUp() throws IOException {
        processes.forEach(WorkerProcess::close);
        openSearch.indices().delete(d -> d.index(index));
        dynamoDb.deleteTable(b -> b.tableName(cacheTable));
    }

    private Map<String, String> settings() {
        Map<String, String> env = new HashMap<>();
        env.put("OPENSEARCH_INDEX", index);
        env.put("EMBEDDING_CACHE_TABLE", cacheTable);
        env.put("S3_FORCE_PATH_STYLE", "true");
        env.put("BACKFILL_PROGRESS_SECONDS", "1");
        return env;
    }

    /** A finished backfill process: its exit code, its summary log line and its outcomes per document. */
    private record Run(WorkerProcess process, int exitCode, JsonNode summary, Map<String, List<JsonNode>> outcomes) {
        long count(String field) {
            return summary.path(field).asLong();
        }

        Set<String> documents() {
            return new TreeSet<>(outcomes.keySet());
        }
    }

    private WorkerProcess start(String name, Map<String, String> env, String... args) {
        WorkerProcess process = WorkerProcess.start(name + "-" + index, env, args);
        processes.add(process);
        return process;
    }

    private Run finish(WorkerProcess process) throws InterruptedException {
        int exit = process.awaitExit(RUN_TIMEOUT);
        JsonNode summary = null;
        Map<String, List<JsonNode>> outcomes = new HashMap<>();
        for (JsonNode line : process.logLines()) {
            if ("backfill finished".equals(line.path("message").asText())) {
                summary = line;
            }
            if ("io.cis.worker.outcome".equals(line.path("logger_name").asText())) {
                outcomes.computeIfAbsent(line.path("document_id").asText(), k -> new ArrayList<>()).add(line);
            }
        }
        assertNotNull(summary, "the backfill logged its summary; log: " + process.log().toAbsolutePath());
        return new Run(process, exit, summary, outcomes);
    }

    private Run backfill(String name, Map<String, String> env, String... args) throws InterruptedException {
        String[] all = new String[args.length + 1];
        all[0] = "--backfill";
        System.arraycopy(args, 0, all, 1, args.length);
        return finish(start(name, env, all));
    }

    private static Set<String> ids(Kind... kinds) {
        Set<Kind> wanted = Set.of(kinds);
        return BackfillFixture.ids(docs, d -> wanted.contains(d.kind()));
    }

    @Test
    void embedsExactlyTheMissingAndStaleDocumentsRecordsTheBadOnesAndASecondRunSelectsNothing() throws Exception {
        Run run = backfill("full", settings());

        Set<String> selected = BackfillFixture.selectedIds(docs);
        assertEquals(270, selected.size());
        assertEquals(selected, run.documents(), "outcomes for exactly the missing, stale, corrupt and absent images");
        run.outcomes().forEach((id, lines) -> assertEquals(1, lines.size(), id + " processed once"));
        for (String id : ids(Kind.MISSING, Kind.STALE)) {
            assertEquals("indexed", run.outcomes().get(id).get(0).path("outcome").asText(), id);
        }
        for (String id : ids(Kind.CORRUPT, Kind.NO_OBJECT)) {
            assertEquals("failed_permanent", run.outcomes().get(id).get(0).path("outcome").asText(), id);
        }
        BackfillFixture.assertCompletelyBackfilled(openSearch, index, docs);

        assertEquals(1, run.exitCode(), "permanent failures make the exit status non-zero");
        assertEquals(270, run.count("total"));
        assertEquals(270, run.count("selected"));
        assertEquals(210, run.count("indexed"));
        assertEquals(60, run.summary().path("failed_permanently").properties().stream().mapToLong(e -> e.getValue().asLong()).sum());
        assertEquals(30, run.summary().path("failed_permanently").path("object_not_found").asLong());
        // 210 images of 8 distinct photos: each photo is embedded at least once, and copies that arrive after its
        // first embedding was stored come from the cache (copies looked up together all miss).
        long hits = run.count("cache_hits");
        assertTrue(hits > 0 && hits <= 210 - 8, "cache hits: " + hits);
        assertTrue(run.process().logLines().stream().anyMatch(l -> "backfill progress".equals(l.path("message").asText())),
                "progress lines in the log when not on a terminal");

        Run again = backfill("again", settings());
        assertEquals(0, again.exitCode());
        assertEquals(0, again.count("selected"));
        assertTrue(again.outcomes().isEmpty());

        // Failures are skipped until asked for: the 60 recorded now and the 5 from before.
        Run retry = backfill("retry-dry", settings(), "--retry-failed", "--dry-run");
        assertEquals(0, retry.exitCode());
        assertEquals(65, retry.count("selected"));
        BackfillFixture.assertCompletelyBackfilled(openSearch, index, docs); // a dry run changes nothing
    }

    @Test
    void twoSlicesTogetherCoverEveryDocumentWithoutOverlap() throws Exception {
        WorkerProcess first = start("slice-0", settings(), "--backfill", "--slice", "0/2");
        WorkerProcess second = start("slice-1", settings(), "--backfill", "--slice", "1-2");
        Run a = finish(first);
        Run b = finish(second);

        assertTrue(a.documents().size() > 50 && b.documents().size() > 50, "both slices had work: "
                + a.documents().size() + " + " + b.documents().size());
        Set<String> overlap = new TreeSet<>(a.documents());
        overlap.retainAll(b.documents());
        assertEquals(Set.of(), overlap, "no document in both slices");
        Set<String> union = new TreeSet<>(a.documents());
        union.addAll(b.documents());
        assertEquals(BackfillFixture.selectedIds(docs), union, "the slices together cover the selection");
        assertEquals(a.documents().size(), a.count("total"), "each slice's total counts only its own documents");
        assertEquals(b.documents().size(), b.count("total"));
        BackfillFixture.assertCompletelyBackfilled(openSearch, index, docs);
    }

    @Test
    void enqueuedImagesAreEmbeddedByTheRunningDaemons() throws Exception {
        SqsClient sqs = LocalStack.sqs();
        TestQueues queues = TestQueues.create(sqs, "backfill-it", 5, 30);
        try {
            Map<String, String> env = settings();
            env.put("SQS_QUEUE_URL", queues.queueUrl());
            WorkerProcess daemonA = start("daemon-a", env);
            WorkerProcess daemonB = start("daemon-b", env);
            awaitLogLine(daemonA, "worker running");
            awaitLogLine(daemonB, "worker running");

            Run enqueue = backfill("enqueue", env, "--enqueue");
            assertEquals(0, enqueue.exitCode(), "every message accepted by SQS");
            assertEquals(270, enqueue.count("enqueued"));
            assertTrue(enqueue.outcomes().isEmpty(), "--enqueue processes nothing itself");

            awaitNothingLeft(queues);
            BackfillFixture.assertCompletelyBackfilled(openSearch, index, docs);
            assertTrue(outcomeCount(daemonA) > 0 && outcomeCount(daemonB) > 0,
                    "both daemons shared the work: " + outcomeCount(daemonA) + " + " + outcomeCount(daemonB));
            assertEquals(270, outcomeCount(daemonA) + outcomeCount(daemonB), "every message processed once");

            daemonA.sigterm();
            daemonB.sigterm();
            assertEquals(0, daemonA.awaitExit(Duration.ofSeconds(60)));
            assertEquals(0, daemonB.awaitExit(Duration.ofSeconds(60)));
            assertEquals(0, queues.count(queues.dlqUrl()), "nothing dead-lettered");
        } finally {
            queues.delete();
        }
    }

    @Test
    void anInterruptedRunStopsCleanlyAndTheNextRunFinishesTheRest() throws Exception {
        WorkerProcess slow = start("interrupted", settings(), "--backfill", "--rate-limit", "10");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (outcomeCount(slow) < 30) {
            assertTrue(slow.isAlive() && System.nanoTime() < deadline, "the slow backfill makes progress");
            Thread.sleep(200);
        }
        slow.sigterm();
        Run interrupted = finish(slow);

        assertEquals(130, interrupted.exitCode(), "interrupted: run again to continue");
        assertTrue(interrupted.summary().path("interrupted").asBoolean());
        assertEquals(0, interrupted.count("unfinished"), "in-flight items were finished within the grace period");
        long done = interrupted.count("selected");
        assertTrue(done >= 30 && done < 200, "stopped early, after " + done);
        assertEquals(done, interrupted.documents().size(), "every selected item settled and logged");

        Run rest = backfill("rest", settings());
        assertEquals(270 - done, rest.count("selected"), "the next run selects only what is left");
        Set<String> overlap = new TreeSet<>(interrupted.documents());
        overlap.retainAll(rest.documents());
        assertEquals(Set.of(), overlap);
        Set<String> union = new TreeSet<>(interrupted.documents());
        union.addAll(rest.documents());
        assertEquals(BackfillFixture.selectedIds(docs), union);
        BackfillFixture.assertCompletelyBackfilled(openSearch, index, docs);
    }

    @Test
    void theS3SourceEmbedsEveryImageUnderThePrefix() throws Exception {
        String prefix = "s3-source-" + UUID.randomUUID().toString().substring(0, 8) + "/";
        Map<String, ClipReference.Image> images = new HashMap<>();
        for (ClipReference.Image image : ClipReference.images()) {
            if (image.decodable() && List.of("rocket.jpg", "coffee.png", "formats/coffee.webp", "formats/chelsea.bmp",
                    "no_time_for_that_tiny.gif").contains(image.file())) {
                for (String copy : List.of("a", "b")) {
                    String key = prefix + copy + "/" + image.file().replace('/', '-').toUpperCase(Locale.ROOT);
                    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(image.path()));
                    images.put(key, image);
                }
            }
        }
        s3.putObject(b -> b.bucket(bucket).key(prefix + "notes.txt"), RequestBody.fromString("not an image"));
        s3.putObject(b -> b.bucket(bucket).key(prefix + "broken.jpg"),
                RequestBody.fromFile(ClipReference.SHARED_IMAGES.resolve("truncated.jpg")));
        String outside = "outside-" + prefix + "rocket.jpg";
        s3.putObject(b -> b.bucket(bucket).key(outside), RequestBody.fromFile(ClipReference.SHARED_IMAGES.resolve("rocket.jpg")));

        Map<String, String> env = settings();
        env.put("DOCUMENT_ID_MODE", "key"); // documents are found (or created) by key, as in the daemon
        Run run = backfill("s3", env, "--source", "s3", "--bucket", bucket, "--prefix", prefix);

        assertEquals(1, run.exitCode(), "the corrupt image is a permanent failure");
        assertEquals(11, run.count("selected"), "the 10 images and the corrupt one; notes.txt is passed over, not selected");
        assertEquals(10, run.count("indexed"));
        assertEquals(1, run.summary().path("skipped_by_reason").path("not_an_image").asLong());
        assertEquals(1, run.summary().path("failed_permanently").properties().size());
        assertFalse(run.summary().has("total") && !run.summary().path("total").isNull(), "S3 listings have no total");

        Map<String, JsonNode> sources = BackfillFixture.sources(openSearch, index);
        for (Map.Entry<String, ClipReference.Image> e : images.entrySet()) {
            JsonNode source = sources.get(e.getKey());
            assertNotNull(source, "document created for " + e.getKey());
            assertEquals(bucket, source.path(DocumentFields.S3_BUCKET).asText());
            assertTrue(BackfillFixture.cosine(ClipReference.floats(source.path(DocumentFields.IMAGE_EMBEDDING)),
                    e.getValue().embedding()) >= 0.999, e.getKey());
        }
        assertFalse(sources.containsKey(outside), "objects outside the prefix are left alone");
        assertFalse(sources.containsKey(prefix + "notes.txt"));
    }

    /**
     * A dry run reads the source like a real run and counts only images the daemon would take: a bucket that does
     * not exist fails instead of "would process 1000", documents outside KEY_PREFIXES are not counted, and --limit
     * counts images only.
     */
    @Test
    void aDryRunReadsTheSourceAndCountsOnlyUsableImages() throws Exception {
        Run missing = backfill("dry-missing-bucket", settings(), "--dry-run", "--source", "s3", "--bucket",
                "no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8), "--limit", "1000");
        assertEquals(1, missing.exitCode(), "a listing that fails is an error, not 1000 images");
        assertEquals(0, missing.count("selected"));
        assertTrue(missing.summary().hasNonNull("source_error") && !missing.summary().path("source_error").asText().isEmpty(),
                missing.summary().toString());
        assertFalse(missing.summary().has("total") && !missing.summary().path("total").isNull(),
                "the limit is no total: " + missing.summary());

        Map<String, String> onlyPhotos1 = settings();
        onlyPhotos1.put("KEY_PREFIXES", "photos/1");
        Set<String> selected = BackfillFixture.selectedIds(docs);
        long underPrefix = docs.stream().filter(d -> selected.contains(d.id()) && d.key().startsWith("photos/1")).count();
        assertTrue(underPrefix > 0 && underPrefix < 270, "fixture: " + underPrefix);
        Run dry = backfill("dry-prefix", onlyPhotos1, "--dry-run");
        assertEquals(0, dry.exitCode());
        assertEquals(underPrefix, dry.count("selected"), "only images under KEY_PREFIXES would be processed");
        assertEquals(270 - underPrefix, dry.summary().path("skipped_by_reason").path("prefix_filtered").asLong());
        assertEquals(270, dry.count("total"), "the index's count is reported as what matched");

        // --limit counts images the daemon would take: with no image under KEY_PREFIXES, none, not the first 5.
        Map<String, String> nothing = settings();
        nothing.put("KEY_PREFIXES", "elsewhere/");
        Run limited = backfill("dry-limit", nothing, "--dry-run", "--limit", "5");
        assertEquals(0, limited.count("selected"));
        assertEquals(270, limited.summary().path("skipped_by_reason").path("prefix_filtered").asLong());

        Run limitedImages = backfill("dry-limit-images", onlyPhotos1, "--dry-run", "--limit", "5");
        assertEquals(5, limitedImages.count("selected"));
        for (Run run : List.of(dry, limited, limitedImages)) {
            assertTrue(run.outcomes().isEmpty(), "a dry run processes nothing");
        }
    }

    /**
     * An image without an extension that BACKFILL_IMAGE_QUERY selects is embedded (the decoder reads the format
     * from the bytes), so the next run does not select it again.
     */
    @Test
    void anExtensionlessImageChosenByTheImageQueryIsEmbeddedOnce() throws Exception {
        String key = "blobs/" + UUID.randomUUID();
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(ClipReference.SHARED_IMAGES.resolve("rocket.jpg")));
        Map<String, Object> source = new HashMap<>();
        source.put(DocumentFields.S3_BUCKET, bucket);
        source.put(DocumentFields.S3_KEY, key);
        source.put("file_type", "image");
        openSearch.index(i -> i.index(index).id("blob-1").document(source)
                .refresh(org.opensearch.client.opensearch._types.Refresh.True));
        Map<String, String> env = settings();
        env.put("BACKFILL_IMAGE_QUERY", "{\"ids\":{\"values\":[\"blob-1\"]}}");

        Run first = backfill("blob", env);
        assertEquals(0, first.exitCode(), first.summary().toString());
        assertEquals(1, first.count("indexed"), first.summary().toString());
        assertEquals("indexed", first.outcomes().get("blob-1").get(0).path("outcome").asText());
        Run again = backfill("blob-again", env);
        assertEquals(0, again.count("selected"), "embedded, so no longer selected");
    }

    private static long outcomeCount(WorkerProcess process) {
        return process.logLines().stream()
                .filter(l -> "io.cis.worker.outcome".equals(l.path("logger_name").asText())).count();
    }

    private static void awaitLogLine(WorkerProcess process, String message) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (process.logLines().stream().noneMatch(l -> message.equals(l.path("message").asText()))) {
            assertTrue(process.isAlive(), "worker exited early; log: " + process.log().toAbsolutePath());
            assertTrue(System.nanoTime() < deadline, "no '" + message + "' in " + process.log().toAbsolutePath());
            Thread.sleep(200);
        }
    }

    /** Waits until the queue is empty and no selected document is left without a result. */
    private void awaitNothingLeft(TestQueues queues) throws Exception {
        Set<String> selected = BackfillFixture.selectedIds(docs);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            Map<String, JsonNode> sources = BackfillFixture.sources(openSearch, index);
            Set<String> open = new HashSet<>();
            for (String id : selected) {
                JsonNode s = sources.get(id);
                boolean finished = ClipReference.modelName().equals(s.path(DocumentFields.IMAGE_EMBEDDING_MODEL).asText())
                        || !s.path(DocumentFields.IMAGE_EMBEDDING_ERROR).asText("").isEmpty();
                if (!finished) {
                    open.add(id);
                }
            }
            if (open.isEmpty() && queues.count(queues.queueUrl()) == 0) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, open.size() + " documents still open, e.g. "
                    + open.stream().limit(5).toList());
            Thread.sleep(500);
        }
    }
}

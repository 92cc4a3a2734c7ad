package io.cis.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerConfigTest {

    private static Map<String, String> minimalDaemonEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("SQS_QUEUE_URL", "http://127.0.0.1:9324/000000000000/q");
        env.put("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9200");
        return env;
    }

    @Test
    void defaultsMatchTheOldLambda() {
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), minimalDaemonEnv()), WorkerConfig.Scope.DAEMON);
        assertEquals("cis-image-embedding-cache", config.cache().table());
        assertEquals("openai/clip-vit-base-patch32", config.model().modelName());
        assertEquals(512, config.model().dimension());
        assertEquals("cis-files", config.index().indexName());
        assertEquals(10L * 1024 * 1024, config.objects().maxObjectBytes());
        assertEquals(30, config.cache().ttlDays());
        assertEquals(Duration.ofSeconds(30), config.queue().shutdownGrace());
        assertTrue(config.queue().heartbeatEnabled());
    }

    @Test
    void everyProblemIsListedAtOnce() {
        Map<String, String> env = new HashMap<>();
        env.put("SQS_POLLERS", "zero");
        env.put("VECTOR_DIMENSION", "-3");
        env.put("OPENSEARCH_AUTH", "kerberos");
        env.put("OPENSEARCH_ENDPOINT", "ftp://x");
        env.put("EMBEDDING_CACHE_ENABLED", "maybe");
        ConfigException e = assertThrows(ConfigException.class,
                () -> WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON));
        List<String> problems = e.problems();
        assertEquals(6, problems.size(), String.join("\n", problems));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("SQS_QUEUE_URL is required")));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("SQS_POLLERS=zero")));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("VECTOR_DIMENSION=-3")));
        assertTrue(problems.stream().anyMatch(p -> p.contains("OPENSEARCH_AUTH=kerberos must be one of [none, basic, sigv4]")));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("OPENSEARCH_ENDPOINT=ftp://x")));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("EMBEDDING_CACHE_ENABLED=maybe")));
    }

    /** LOG_FORMAT=JSON used to select no appender at all: no log line, not even the failure. */
    @Test
    void anUnknownLogFormatIsAConfigurationError() {
        Map<String, String> env = new HashMap<>(minimalDaemonEnv());
        env.put("LOG_FORMAT", "JSON");
        ConfigException e = assertThrows(ConfigException.class,
                () -> WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON));
        assertEquals(List.of("LOG_FORMAT=JSON must be json or text"), e.problems());
        env.put("LOG_FORMAT", "text");
        WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON);
    }

    @Test
    void environmentOverridesTheFileAndOldNamesStillWork(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cis-worker.env");
        Files.writeString(file, """
                # comment
                export OPENSEARCH_INDEX="from-file"
                QUEUE_URL=http://127.0.0.1:9324/000000000000/legacy
                OPENSEARCH_ENDPOINT=http://127.0.0.1:9200
                BATCH_MAX_SIZE=4
                """);
        RawSettings raw = RawSettings.load(file, Map.of("BATCH_MAX_SIZE", "16"));
        WorkerConfig config = WorkerConfig.from(raw, WorkerConfig.Scope.DAEMON);
        assertEquals("from-file", config.index().indexName());
        assertEquals("http://127.0.0.1:9324/000000000000/legacy", config.queue().queueUrl());
        assertEquals(16, config.model().batchMaxSize());
    }

    @Test
    void modelOnlyCommandsNeedNeitherQueueNorOpenSearch() {
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), Map.of()), WorkerConfig.Scope.MODEL_ONLY);
        assertEquals(Path.of("/var/lib/cis-worker/model/model.pt"), config.model().modelPath());
    }

    @Test
    void passwordNeverAppearsInToString() {
        Map<String, String> env = minimalDaemonEnv();
        env.put("OPENSEARCH_AUTH", "basic");
        env.put("OPENSEARCH_USERNAME", "worker");
        env.put("OPENSEARCH_PASSWORD", "s3cr3t-value");
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON);
        assertTrue(!config.toString().contains("s3cr3t-value"));
        assertEquals("s3cr3t-value", config.index().password());
    }

    @Test
    void autoThreadsFollowCores() {
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), minimalDaemonEnv()), WorkerConfig.Scope.DAEMON);
        assertEquals(Runtime.getRuntime().availableProcessors(), config.model().decodeThreads());
    }

    @Test
    void bucketsAndTheirOwnersAreReadAndAnyBucketIsTheDefault() {
        WorkerConfig defaults = WorkerConfig.from(new RawSettings(Map.of(), minimalDaemonEnv()), WorkerConfig.Scope.DAEMON);
        assertTrue(defaults.objects().buckets().allowsAny());
        assertTrue(defaults.objects().bucketOwners().isEmpty());

        Map<String, String> env = minimalDaemonEnv();
        env.put("S3_BUCKETS", "photos, scans");
        env.put("S3_EXPECTED_BUCKET_OWNER", "111122223333,scans=444455556666");
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON);
        assertTrue(config.objects().buckets().allows("photos"));
        assertTrue(config.objects().buckets().allows("scans"));
        assertTrue(!config.objects().buckets().allows("photos-old"));
        assertEquals("111122223333", config.objects().bucketOwners().ownerOf("photos"));
        assertEquals("444455556666", config.objects().bucketOwners().ownerOf("scans"));
        assertTrue(config.toString().contains("photos,scans"), config.toString());
    }

    @Test
    void badBucketsAndOwnersAreListedWithTheOtherProblems() {
        Map<String, String> env = minimalDaemonEnv();
        env.put("S3_BUCKETS", "photos,s3://scans/");
        env.put("S3_EXPECTED_BUCKET_OWNER", "1234");
        List<String> problems = assertThrows(ConfigException.class,
                () -> WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON)).problems();
        assertEquals(2, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("S3_BUCKETS: 's3://scans/' is not a bucket name"), problems.get(0));
        assertTrue(problems.get(1).startsWith("S3_EXPECTED_BUCKET_OWNER: '1234' is not a 12-digit AWS account id"),
                problems.get(1));
    }

    @Test
    void everyListedBucketNeedsAnOwnerAndEveryOwnedBucketMustBeListed() {
        Map<String, String> env = minimalDaemonEnv();
        env.put("S3_BUCKETS", "photos,scans");
        env.put("S3_EXPECTED_BUCKET_OWNER", "photos=111122223333,photoz=111122223333");
        List<String> problems = assertThrows(ConfigException.class,
                () -> WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON)).problems();
        assertEquals(List.of(
                "S3_EXPECTED_BUCKET_OWNER gives no owner for bucket scans of S3_BUCKETS (add scans=ACCOUNT, or one account id for all)",
                "S3_EXPECTED_BUCKET_OWNER names bucket photoz, which S3_BUCKETS does not list"), problems);

        env.put("S3_EXPECTED_BUCKET_OWNER", "111122223333"); // one account for all is enough
        assertEquals("111122223333", WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON)
                .objects().bucketOwners().ownerOf("scans"));
    }

    @Test
    void enqueueNeedsOnlyTheObjectSettings() {
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), Map.of("S3_BUCKETS", "photos")),
                WorkerConfig.Scope.OBJECTS_ONLY);
        assertTrue(config.objects().buckets().allows("photos"));
    }
}

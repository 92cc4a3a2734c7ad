package io.cis.worker.config;

import io.cis.worker.embed.ModelPrecision;
import io.cis.worker.image.Downscale;
import io.cis.worker.index.DocumentIdMode;
import io.cis.worker.index.MissingDocumentPolicy;
import io.cis.worker.index.OpenSearchAuthMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The worker's validated, immutable configuration, grouped by stage. */
public record WorkerConfig(
        QueueConfig queue,
        ObjectConfig objects,
        ModelConfig model,
        IndexConfig index,
        CacheConfig cache,
        RetryConfig retry,
        OpsConfig ops,
        BackfillConfig backfill) {

    public record QueueConfig(String queueUrl, int pollers, int waitTimeSeconds, int maxMessagesPerReceive,
                              int visibilityTimeoutSeconds, boolean heartbeatEnabled, double heartbeatFraction,
                              Duration maxVisibilityTotal, int maxInFlightMessages, Duration exitWhenIdle,
                              Duration shutdownGrace) {
    }

    public record ObjectConfig(boolean s3ForcePathStyle, Set<String> imageExtensions, List<String> keyPrefixes,
                               long maxObjectBytes, long maxImagePixels, Downscale downscale) {
    }

    public record ModelConfig(Path modelPath, String modelName, int dimension, List<String> sha256s,
                              Optional<Path> djlCacheDir, int inferenceThreads, int torchThreads,
                              int torchInteropThreads, boolean graphOptimizer, int batchMaxSize,
                              Duration batchMaxWait, int decodeThreads, int workQueueCapacity,
                              ModelPrecision precision, String device) {
    }

    public record IndexConfig(URI endpoint, String indexName, OpenSearchAuthMode auth, String username,
                              String password, String sigv4Service, boolean tlsVerify, String knnEngine,
                              String knnSpaceType, DocumentIdMode documentIdMode, String lookupField,
                              MissingDocumentPolicy missingDocument) {
        @Override
        public String toString() {
            // Never print the password, not even by accident through a record's toString.
            return "IndexConfig[endpoint=" + endpoint + ", indexName=" + indexName + ", auth=" + auth
                    + ", username=" + username + ", password=" + (password.isEmpty() ? "" : "****")
                    + ", sigv4Service=" + sigv4Service + ", tlsVerify=" + tlsVerify + ", knnEngine=" + knnEngine
                    + ", knnSpaceType=" + knnSpaceType + ", documentIdMode=" + documentIdMode
                    + ", lookupField=" + lookupField + ", missingDocument=" + missingDocument + "]";
        }
    }

    public record CacheConfig(boolean enabled, String table, int ttlDays, boolean overwriteOtherModel,
                              int localEntries) {
    }

    public record RetryConfig(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    }

    public record OpsConfig(String metricsHost, int metricsPort, boolean cloudWatchEnabled, String cloudWatchNamespace) {
    }

    /** @param imageQuery a JSON query object selecting image documents, or empty for the key-extension default */
    public record BackfillConfig(double rateLimit, Duration progressInterval, String keyField, String bucketField,
                                 Optional<String> imageQuery, String sortField, int pageSize, int metricsPort) {
    }

    /**
     * What a command needs: the daemon needs everything, `embed` only the model, `index` only OpenSearch, and a
     * backfill everything but the queue.
     */
    public enum Scope { DAEMON, MODEL_ONLY, INDEX_ONLY, BACKFILL }

    /**
     * Reads and validates every setting, throwing one {@link ConfigException} that lists all problems.
     */
    public static WorkerConfig from(RawSettings raw, Scope scope) {
        SettingReader r = new SettingReader(raw, Runtime.getRuntime().availableProcessors());
        boolean needsQueue = scope == Scope.DAEMON;
        boolean needsIndex = scope != Scope.MODEL_ONLY;

        QueueConfig queue = new QueueConfig(
                needsQueue ? r.required(Settings.SQS_QUEUE_URL) : r.text(Settings.SQS_QUEUE_URL),
                r.intInRange(Settings.SQS_POLLERS, 1, 64),
                r.intInRange(Settings.SQS_WAIT_TIME_SECONDS, 0, 20),
                r.intInRange(Settings.SQS_MAX_MESSAGES, 1, 10),
                r.intInRange(Settings.SQS_VISIBILITY_TIMEOUT_SECONDS, 1, 43_200),
                r.bool(Settings.VISIBILITY_HEARTBEAT_ENABLED),
                r.doubleInRange(Settings.VISIBILITY_HEARTBEAT_FRACTION, 0.1, 0.9),
                Duration.ofSeconds(r.longInRange(Settings.VISIBILITY_MAX_TOTAL_SECONDS, 1, 43_200)),
                r.intInRange(Settings.MAX_IN_FLIGHT_MESSAGES, 1, 10_000),
                Duration.ofSeconds(r.longInRange(Settings.EXIT_WHEN_IDLE_SECONDS, 0, 86_400)),
                Duration.ofSeconds(r.longInRange(Settings.SHUTDOWN_GRACE_SECONDS, 1, 3_600)));

        r.intInRange(Settings.MAX_IMAGE_SIZE, 1, 100_000); // validated for compatibility, see its description
        ObjectConfig objects = new ObjectConfig(
                r.bool(Settings.S3_FORCE_PATH_STYLE),
                r.list(Settings.IMAGE_EXTENSIONS).stream()
                        .map(e -> e.toLowerCase(java.util.Locale.ROOT).replaceFirst("^\\.", ""))
                        .collect(Collectors.toUnmodifiableSet()),
                r.list(Settings.KEY_PREFIXES),
                r.longInRange(Settings.MAX_OBJECT_BYTES, 1, 5L * 1024 * 1024 * 1024),
                r.longInRange(Settings.MAX_IMAGE_PIXELS, 1, 2_000_000_000L),
                r.choice(Settings.IMAGE_DOWNSCALE, Downscale.class));
        if (objects.imageExtensions().isEmpty()) {
            r.problems().add(Settings.IMAGE_EXTENSIONS.name() + " must list at least one extension");
        }

        ModelConfig model = new ModelConfig(
                r.path(Settings.MODEL_PATH),
                r.required(Settings.MODEL_NAME),
                r.intInRange(Settings.VECTOR_DIMENSION, 1, 16_384),
                r.list(Settings.MODEL_SHA256).stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList(),
                r.optional(Settings.DJL_CACHE_DIR).map(Path::of),
                r.intInRange(Settings.INFERENCE_THREADS, 1, 64),
                r.threads(Settings.TORCH_NUM_THREADS, 256),
                r.intInRange(Settings.TORCH_NUM_INTEROP_THREADS, 1, 64),
                r.bool(Settings.TORCH_GRAPH_OPTIMIZER),
                r.intInRange(Settings.BATCH_MAX_SIZE, 1, 256),
                Duration.ofMillis(r.longInRange(Settings.BATCH_MAX_WAIT_MS, 0, 10_000)),
                r.threads(Settings.DECODE_THREADS, 256),
                r.intInRange(Settings.WORK_QUEUE_CAPACITY, 1, 10_000),
                r.choice(Settings.MODEL_PRECISION, ModelPrecision.class),
                r.text(Settings.DEVICE).toLowerCase(java.util.Locale.ROOT));
        if (!model.device().matches("auto|cpu|gpu|gpu\\([0-9]+\\)")) {
            r.problems().add(Settings.DEVICE.name() + "=" + model.device() + " must be auto, cpu, gpu or gpu(N)");
        }
        model.sha256s().forEach(sha -> {
            if (!sha.matches("[0-9a-f]{64}")) {
                r.problems().add(Settings.MODEL_SHA256.name() + " must be 64 hex digits (or several, comma-separated)");
            }
        });

        IndexConfig index = new IndexConfig(
                r.httpUrl(Settings.OPENSEARCH_ENDPOINT, needsIndex),
                r.required(Settings.OPENSEARCH_INDEX),
                r.choice(Settings.OPENSEARCH_AUTH, OpenSearchAuthMode.class),
                r.text(Settings.OPENSEARCH_USERNAME),
                r.text(Settings.OPENSEARCH_PASSWORD),
                r.text(Settings.OPENSEARCH_SIGV4_SERVICE),
                r.bool(Settings.OPENSEARCH_TLS_VERIFY),
                r.required(Settings.OPENSEARCH_KNN_ENGINE),
                r.required(Settings.OPENSEARCH_KNN_SPACE_TYPE),
                r.choice(Settings.DOCUMENT_ID_MODE, DocumentIdMode.class),
                r.required(Settings.DOCUMENT_LOOKUP_FIELD),
                r.choice(Settings.MISSING_DOCUMENT, MissingDocumentPolicy.class));
        if (index.auth() == OpenSearchAuthMode.BASIC && (index.username().isEmpty() || index.password().isEmpty())) {
            r.problems().add("OPENSEARCH_AUTH=basic needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD");
        }
        if (!Set.of("es", "aoss").contains(index.sigv4Service())) {
            r.problems().add(Settings.OPENSEARCH_SIGV4_SERVICE.name() + "=" + index.sigv4Service() + " must be es or aoss");
        }

        CacheConfig cache = new CacheConfig(
                r.bool(Settings.EMBEDDING_CACHE_ENABLED),
                r.required(Settings.EMBEDDING_CACHE_TABLE),
                r.intInRange(Settings.EMBEDDING_CACHE_TTL_DAYS, 1, 3_650),
                r.bool(Settings.EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL),
                r.intInRange(Settings.LOCAL_CACHE_ENTRIES, 0, 10_000_000));

        RetryConfig retry = new RetryConfig(
                r.intInRange(Settings.RETRY_MAX_ATTEMPTS, 1, 100),
                Duration.ofMillis(r.longInRange(Settings.RETRY_INITIAL_BACKOFF_MS, 1, 60_000)),
                Duration.ofMillis(r.longInRange(Settings.RETRY_MAX_BACKOFF_MS, 1, 600_000)));
        if (retry.maxBackoff().compareTo(retry.initialBackoff()) < 0) {
            r.problems().add("RETRY_MAX_BACKOFF_MS must not be less than RETRY_INITIAL_BACKOFF_MS");
        }

        OpsConfig ops = new OpsConfig(
                r.required(Settings.METRICS_HOST),
                r.intInRange(Settings.METRICS_PORT, 0, 65_535),
                r.bool(Settings.CLOUDWATCH_ENABLED),
                r.required(Settings.CLOUDWATCH_NAMESPACE));

        BackfillConfig backfill = new BackfillConfig(
                r.doubleInRange(Settings.BACKFILL_RATE_LIMIT, 0, 1_000_000),
                Duration.ofSeconds(r.longInRange(Settings.BACKFILL_PROGRESS_SECONDS, 1, 86_400)),
                r.required(Settings.BACKFILL_KEY_FIELD),
                r.required(Settings.BACKFILL_BUCKET_FIELD),
                r.optional(Settings.BACKFILL_IMAGE_QUERY),
                r.required(Settings.BACKFILL_SORT_FIELD),
                r.intInRange(Settings.BACKFILL_PAGE_SIZE, 1, 10_000),
                r.intInRange(Settings.BACKFILL_METRICS_PORT, 0, 65_535));
        backfill.imageQuery().ifPresent(query -> {
            if (!isJsonObject(query)) {
                r.problems().add(Settings.BACKFILL_IMAGE_QUERY.name() + " must be a JSON object such as "
                        + "{\"terms\":{\"file_type\":[\"image\"]}}");
            }
        });

        if (!r.problems().isEmpty()) {
            throw new ConfigException(r.problems());
        }
        return new WorkerConfig(queue, objects, model, index, cache, retry, ops, backfill);
    }

    private static boolean isJsonObject(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).isObject();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}

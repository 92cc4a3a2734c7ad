package io.cis.worker.config;

import io.cis.worker.embed.ModelPrecision;
import io.cis.worker.event.BucketAllowList;
import io.cis.worker.fetch.BucketOwners;
import io.cis.worker.image.Downscale;
import io.cis.worker.index.DocumentIdMode;
import io.cis.worker.index.MissingDocumentPolicy;
import io.cis.worker.index.OpenSearchAuthMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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

    /**
     * @param buckets      the buckets that may be read (S3_BUCKETS); allows any when the setting is empty
     * @param bucketOwners the account expected to own each bucket (S3_EXPECTED_BUCKET_OWNER)
     */
    public record ObjectConfig(boolean s3ForcePathStyle, BucketAllowList buckets, BucketOwners bucketOwners,
                               Set<String> imageExtensions, List<String> keyPrefixes,
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

    /**
     * @param startupMaxWait          how long start-up waits out unreachable services; empty = as long as it takes
     * @param startupAccessDeniedWait how long start-up retries a service that denies access
     */
    public record RetryConfig(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                              Optional<Duration> startupMaxWait, Duration startupAccessDeniedWait) {
    }

    public record OpsConfig(String metricsHost, int metricsPort, boolean cloudWatchEnabled, String cloudWatchNamespace) {
    }

    /** @param imageQuery a JSON query object selecting image documents, or empty for the key-extension default */
    public record BackfillConfig(double rateLimit, Duration progressInterval, String keyField, String bucketField,
                                 Optional<String> imageQuery, String sortField, int pageSize, int metricsPort) {
    }

    /**
     * What a command needs: the daemon needs everything, `embed` only the model, `index` only OpenSearch, a
     * backfill everything but the queue, and `enqueue` only the S3 settings.
     */
    public enum Scope { DAEMON, MODEL_ONLY, INDEX_ONLY, BACKFILL, OBJECTS_ONLY }

    /**
     * Reads and validates every setting as {@link Settings} declares it, throwing one {@link ConfigException} that
     * lists all problems; the checks here are the ones that span settings or go beyond a range.
     */
    public static WorkerConfig from(RawSettings raw, Scope scope) {
        SettingReader r = new SettingReader(raw, Runtime.getRuntime().availableProcessors());
        boolean needsQueue = scope == Scope.DAEMON;
        boolean needsIndex = scope != Scope.MODEL_ONLY && scope != Scope.OBJECTS_ONLY;

        QueueConfig queue = new QueueConfig(
                needsQueue ? r.require(Settings.SQS_QUEUE_URL) : r.get(Settings.SQS_QUEUE_URL),
                r.get(Settings.SQS_POLLERS),
                r.get(Settings.SQS_WAIT_TIME_SECONDS),
                r.get(Settings.SQS_MAX_MESSAGES),
                r.get(Settings.SQS_VISIBILITY_TIMEOUT_SECONDS),
                r.get(Settings.VISIBILITY_HEARTBEAT_ENABLED),
                r.get(Settings.VISIBILITY_HEARTBEAT_FRACTION),
                r.get(Settings.VISIBILITY_MAX_TOTAL_SECONDS),
                r.get(Settings.MAX_IN_FLIGHT_MESSAGES),
                r.get(Settings.EXIT_WHEN_IDLE_SECONDS),
                r.get(Settings.SHUTDOWN_GRACE_SECONDS));

        r.get(Settings.MAX_IMAGE_SIZE); // validated for compatibility, see its description
        ObjectConfig objects = new ObjectConfig(
                r.get(Settings.S3_FORCE_PATH_STYLE),
                bucketAllowList(r),
                bucketOwners(r),
                r.get(Settings.IMAGE_EXTENSIONS).stream()
                        .map(e -> e.toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""))
                        .collect(Collectors.toUnmodifiableSet()),
                r.get(Settings.KEY_PREFIXES),
                r.get(Settings.MAX_OBJECT_BYTES),
                r.get(Settings.MAX_IMAGE_PIXELS),
                r.get(Settings.IMAGE_DOWNSCALE));
        if (objects.imageExtensions().isEmpty()) {
            r.problems().add(Settings.IMAGE_EXTENSIONS.name() + " must list at least one extension");
        }
        checkOwnersCoverBuckets(objects, r.problems());

        ModelConfig model = new ModelConfig(
                r.get(Settings.MODEL_PATH),
                r.get(Settings.MODEL_NAME),
                r.get(Settings.VECTOR_DIMENSION),
                r.get(Settings.MODEL_SHA256).stream().map(s -> s.toLowerCase(Locale.ROOT)).toList(),
                r.get(Settings.DJL_CACHE_DIR),
                r.get(Settings.INFERENCE_THREADS),
                r.get(Settings.TORCH_NUM_THREADS),
                r.get(Settings.TORCH_NUM_INTEROP_THREADS),
                r.get(Settings.TORCH_GRAPH_OPTIMIZER),
                r.get(Settings.BATCH_MAX_SIZE),
                r.get(Settings.BATCH_MAX_WAIT_MS),
                r.get(Settings.DECODE_THREADS),
                r.get(Settings.WORK_QUEUE_CAPACITY),
                r.get(Settings.MODEL_PRECISION),
                r.get(Settings.DEVICE));
        model.sha256s().forEach(sha -> {
            if (!sha.matches("[0-9a-f]{64}")) {
                r.problems().add(Settings.MODEL_SHA256.name() + " must be 64 hex digits (or several, comma-separated)");
            }
        });

        IndexConfig index = new IndexConfig(
                needsIndex ? r.require(Settings.OPENSEARCH_ENDPOINT) : r.get(Settings.OPENSEARCH_ENDPOINT),
                r.get(Settings.OPENSEARCH_INDEX),
                r.get(Settings.OPENSEARCH_AUTH),
                r.get(Settings.OPENSEARCH_USERNAME),
                r.get(Settings.OPENSEARCH_PASSWORD),
                r.get(Settings.OPENSEARCH_SIGV4_SERVICE),
                r.get(Settings.OPENSEARCH_TLS_VERIFY),
                r.get(Settings.OPENSEARCH_KNN_ENGINE),
                r.get(Settings.OPENSEARCH_KNN_SPACE_TYPE),
                r.get(Settings.DOCUMENT_ID_MODE),
                r.get(Settings.DOCUMENT_LOOKUP_FIELD),
                r.get(Settings.MISSING_DOCUMENT));
        if (index.auth() == OpenSearchAuthMode.BASIC && (index.username().isEmpty() || index.password().isEmpty())) {
            r.problems().add("OPENSEARCH_AUTH=basic needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD");
        }

        CacheConfig cache = new CacheConfig(
                r.get(Settings.EMBEDDING_CACHE_ENABLED),
                r.get(Settings.EMBEDDING_CACHE_TABLE),
                r.get(Settings.EMBEDDING_CACHE_TTL_DAYS),
                r.get(Settings.EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL),
                r.get(Settings.LOCAL_CACHE_ENTRIES));

        RetryConfig retry = new RetryConfig(
                r.get(Settings.RETRY_MAX_ATTEMPTS),
                r.get(Settings.RETRY_INITIAL_BACKOFF_MS),
                r.get(Settings.RETRY_MAX_BACKOFF_MS),
                Optional.of(r.get(Settings.STARTUP_MAX_WAIT_SECONDS)).filter(d -> !d.isZero()),
                r.get(Settings.STARTUP_ACCESS_DENIED_WAIT_SECONDS));
        if (retry.maxBackoff().compareTo(retry.initialBackoff()) < 0) {
            r.problems().add("RETRY_MAX_BACKOFF_MS must not be less than RETRY_INITIAL_BACKOFF_MS");
        }

        // Logback picks its appender by this name before any of this runs; an unknown one would silence every log line,
        // so it is checked here, where a bad value stops start-up with the other problems (printed, not logged).
        r.get(Settings.LOG_FORMAT);

        OpsConfig ops = new OpsConfig(
                r.get(Settings.METRICS_HOST),
                r.get(Settings.METRICS_PORT),
                r.get(Settings.CLOUDWATCH_ENABLED),
                r.get(Settings.CLOUDWATCH_NAMESPACE));

        BackfillConfig backfill = new BackfillConfig(
                r.get(Settings.BACKFILL_RATE_LIMIT),
                r.get(Settings.BACKFILL_PROGRESS_SECONDS),
                r.get(Settings.BACKFILL_KEY_FIELD),
                r.get(Settings.BACKFILL_BUCKET_FIELD),
                r.get(Settings.BACKFILL_IMAGE_QUERY),
                r.get(Settings.BACKFILL_SORT_FIELD),
                r.get(Settings.BACKFILL_PAGE_SIZE),
                r.get(Settings.BACKFILL_METRICS_PORT));
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

    private static BucketAllowList bucketAllowList(SettingReader r) {
        try {
            return BucketAllowList.of(r.get(Settings.S3_BUCKETS));
        } catch (IllegalArgumentException e) {
            r.problems().add(Settings.S3_BUCKETS.name() + ": " + e.getMessage());
            return BucketAllowList.any();
        }
    }

    private static BucketOwners bucketOwners(SettingReader r) {
        try {
            return BucketOwners.parse(r.get(Settings.S3_EXPECTED_BUCKET_OWNER));
        } catch (IllegalArgumentException e) {
            r.problems().add(Settings.S3_EXPECTED_BUCKET_OWNER.name() + ": " + e.getMessage());
            return BucketOwners.none();
        }
    }

    /**
     * With both settings, each listed bucket must have an owner (else its calls would silently go unchecked) and each
     * bucket=account pair must name a listed bucket (else it is most likely a typo, and checks nothing).
     */
    private static void checkOwnersCoverBuckets(ObjectConfig objects, List<String> problems) {
        BucketOwners owners = objects.bucketOwners();
        if (owners.isEmpty() || objects.buckets().allowsAny()) {
            return;
        }
        for (String bucket : objects.buckets().buckets()) {
            if (owners.ownerOf(bucket) == null) {
                problems.add(Settings.S3_EXPECTED_BUCKET_OWNER.name() + " gives no owner for bucket " + bucket
                        + " of " + Settings.S3_BUCKETS.name() + " (add " + bucket + "=ACCOUNT, or one account id for all)");
            }
        }
        for (String bucket : owners.byBucket().keySet()) {
            if (!objects.buckets().allows(bucket)) {
                problems.add(Settings.S3_EXPECTED_BUCKET_OWNER.name() + " names bucket " + bucket
                        + ", which " + Settings.S3_BUCKETS.name() + " does not list");
            }
        }
    }

    private static boolean isJsonObject(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).isObject();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}

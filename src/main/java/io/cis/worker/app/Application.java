package io.cis.worker.app;

import io.cis.worker.cache.DynamoDbEmbeddingCache;
import io.cis.worker.cache.EmbeddingCache;
import io.cis.worker.cache.LocalEmbeddingCache;
import io.cis.worker.cache.NoOpEmbeddingCache;
import io.cis.worker.cache.PausingEmbeddingCache;
import io.cis.worker.cache.ResilientEmbeddingCache;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.core.Reason;
import io.cis.worker.embed.ClipModel;
import io.cis.worker.embed.DjlRuntime;
import io.cis.worker.embed.ModelLoader;
import io.cis.worker.embed.PrecisionSelfCheck;
import io.cis.worker.event.NotificationParser;
import io.cis.worker.event.ObjectFilter;
import io.cis.worker.fetch.FetchRetryDecision;
import io.cis.worker.fetch.ObjectFetcher;
import io.cis.worker.fetch.RetryingObjectFetcher;
import io.cis.worker.fetch.S3ObjectFetcher;
import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.index.BulkIndexer;
import io.cis.worker.index.BulkWriter;
import io.cis.worker.index.DocumentIdMode;
import io.cis.worker.index.DocumentIdResolver;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.index.IndexSetupResult;
import io.cis.worker.index.IndexStartupFailures;
import io.cis.worker.index.LookupRetry;
import io.cis.worker.index.OpenSearchAuth;
import io.cis.worker.index.OpenSearchClientFactory;
import io.cis.worker.ops.CloudWatchMetrics;
import io.cis.worker.index.RetryingBulkWriter;
import io.cis.worker.ops.HealthState;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.ops.MetricsServer;
import io.cis.worker.ops.OutcomeCounters;
import io.cis.worker.pipeline.BulkDocumentIndexer;
import io.cis.worker.pipeline.Intake;
import io.cis.worker.pipeline.OutcomeLog;
import io.cis.worker.pipeline.Pipeline;
import io.cis.worker.source.DeadLetterWatch;
import io.cis.worker.retry.OutageGate;
import io.cis.worker.retry.Retries;
import io.cis.worker.retry.RetryPolicy;
import io.cis.worker.retry.StartupFailure;
import io.cis.worker.retry.StartupWait;
import io.cis.worker.source.IdleTracker;
import io.cis.worker.source.InFlightRegistry;
import io.cis.worker.source.MessageSettler;
import io.cis.worker.source.QueueBacklogGauge;
import io.cis.worker.source.QueueCounts;
import io.cis.worker.source.QueueMessageHandler;
import io.cis.worker.source.QueueStartupFailures;
import io.cis.worker.source.SqsBatchOperations;
import io.cis.worker.source.SqsPoller;
import io.cis.worker.source.SqsQueueSource;
import io.cis.worker.source.VisibilityHeartbeat;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The composition root: the one place that turns configuration into clients and stages, checks every service
 * before work starts, and closes everything in reverse order.
 */
public final class Application implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Application.class);
    /** Fetching is I/O-bound; more concurrent GETs than decode threads hide S3 latency. */
    private static final int FETCH_THREADS_PER_DECODE_THREAD = 4;
    /** How often a paused worker asks OpenSearch whether it is back. */
    private static final Duration OUTAGE_PROBE_INTERVAL = Duration.ofSeconds(5);

    private final WorkerConfig config;
    private final Clock clock;
    /** Scraped at /metrics; {@link #metrics} feeds it and, when CLOUDWATCH_ENABLED, CloudWatch too. */
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CompositeMeterRegistry metrics = new CompositeMeterRegistry().add(prometheus);
    /** The cis.items counters, registered once and shared by the outcome log and the skips decided on receipt. */
    private final OutcomeCounters itemCounters = new OutcomeCounters(metrics);
    private final HealthState health = new HealthState();
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();

    private ClipModel model;
    private OpenSearchClient openSearch;
    private SqsClient sqs;
    /** The pollers' own client: no SDK retries (see SdkClientSettings); closed after the pollers have finished. */
    private SqsClient sqsReceiver;
    private S3Client s3;
    private DynamoDbClient dynamoDb;
    private Pipeline pipeline;
    private Intake intake;
    private SqsQueueSource queueSource;
    private MetricsServer metricsServer;
    /** From the queue's redrive policy; 0 when it has no dead-letter queue. */
    private int maxReceiveCount;
    private OutageGate openSearchGate;
    /** Why the index could not take writes at start-up; null if it could. */
    private String startupWriteProblem;
    /** What the last outage probe found in the way of writes, so a change is logged once; guarded by this. */
    private String lastProbeProblem;

    private Application(WorkerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** What a command needs besides the pipeline. */
    public enum Mode { DAEMON, BACKFILL }

    /**
     * Builds and checks everything, each service once (the one-off commands: a person is watching); on any failed
     * check closes what it opened and lists every problem.
     */
    public static Application start(WorkerConfig config, Mode mode, Clock clock) {
        return start(config, mode, clock, StartupWait.Limits.ONE_ROUND, StartupWait.Pause.SLEEP);
    }

    /**
     * Builds and checks everything, waiting within {@code limits} for services that do not answer yet (see
     * {@link StartupWait}); /health answers from the start, not ready until every check passed. On a failure, or
     * when {@code pause} reports a stop, closes what it opened and throws {@link StartupException}.
     */
    public static Application start(WorkerConfig config, Mode mode, Clock clock, StartupWait.Limits limits,
                                    StartupWait.Pause pause) {
        Application app = new Application(config, clock);
        try {
            app.startMetricsServer();
            app.connect(mode, new StartupWait(limits, StartupWait.defaultBackoff(), clock, pause, Retries.RANDOM_JITTER,
                    app.health, app.metrics));
            app.buildPipeline();
            if (mode == Mode.DAEMON) {
                app.buildQueueSource();
            }
            app.startCloudWatch();
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /** The permissions an access-denied answer from OpenSearch (SigV4 or fine-grained access control) points at. */
    private static final String OPENSEARCH_PERMISSIONS = "es:ESHttpHead, es:ESHttpGet, es:ESHttpPut and es:ESHttpPost "
            + "on the index (or a fine-grained access control role allowing indices:admin/create, indices:admin/mapping/put, "
            + "indices:admin/mappings/get, indices:data/write/bulk*)";

    private void connect(Mode mode, StartupWait wait) {
        WorkerConfig.ModelConfig m = config.model();
        DjlRuntime.configure(m.djlCacheDir(), m.torchThreads(), m.torchInteropThreads(), m.graphOptimizer());
        List<StartupWait.Dependency> checks = new ArrayList<>();
        // A model that is missing or does not match cannot get better by waiting: one attempt, listed with the rest.
        checks.add(new StartupWait.Dependency("model", m.modelPath().toString(), "read access to the model file",
                this::loadModel, e -> StartupFailure.permanent(Reason.MODEL_INVALID, e.getMessage())));

        openSearch = openSearchClient(config.index());
        closeLater(() -> openSearch._transport().close());
        checks.add(new StartupWait.Dependency("opensearch", config.index().endpoint() + " index " + config.index().indexName(),
                OPENSEARCH_PERMISSIONS, this::setUpIndex, IndexStartupFailures::classify));

        s3 = closeLater(S3Client.builder().httpClientBuilder(SdkClientSettings.s3Http())
                .overrideConfiguration(SdkClientSettings.s3())
                .forcePathStyle(config.objects().s3ForcePathStyle()).build());

        if (mode == Mode.DAEMON) {
            int waitTimeSeconds = config.queue().waitTimeSeconds();
            sqs = closeLater(SqsClient.builder().httpClientBuilder(SdkClientSettings.sqsHttp(waitTimeSeconds, 32))
                    .overrideConfiguration(SdkClientSettings.sqs(waitTimeSeconds)).build());
            sqsReceiver = closeLater(SqsClient.builder()
                    .httpClientBuilder(SdkClientSettings.sqsHttp(waitTimeSeconds, config.queue().pollers()))
                    .overrideConfiguration(SdkClientSettings.sqsReceive(waitTimeSeconds)).build());
            checks.add(new StartupWait.Dependency("sqs", config.queue().queueUrl(), "sqs:GetQueueAttributes on the queue",
                    this::readQueueAttributes, QueueStartupFailures::classify));
        }
        if (config.cache().enabled()) {
            dynamoDb = closeLater(DynamoDbClient.builder().httpClientBuilder(SdkClientSettings.dynamoDbHttp())
                    .overrideConfiguration(SdkClientSettings.dynamoDb(config.retry().maxAttempts())).build());
            checks.add(new StartupWait.Dependency("dynamodb", "table " + config.cache().table(), "dynamodb:DescribeTable",
                    this::checkCacheTable, e -> StartupFailure.permanent(Reason.CACHE_ERROR,
                    "the table does not exist (create it, or set EMBEDDING_CACHE_ENABLED=false)")));
        }
        StartupWait.Result result;
        try {
            result = wait.await(checks);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = new StartupWait.Result(StartupWait.Status.STOPPED, List.of());
        }
        switch (result.status()) {
            case READY -> { }
            case MISCONFIGURED -> throw new StartupException(result.problems(), true);
            case GAVE_UP -> throw new StartupException(result.problems(), false);
            case STOPPED -> {
                List<String> problems = new ArrayList<>(result.problems());
                problems.add(0, "stopped during start-up");
                throw new StartupException(problems, false);
            }
        }
    }

    private void loadModel() {
        ModelLoader.Loaded loaded = ModelLoader.load(modelRequest(config.model()), imagePreprocessor());
        model = closeLater(loaded.model());
        // NaN when no self-check ran (fp32 chosen outright, or MODEL_PRECISION not auto). A fixed value: held
        // strongly, as nothing else keeps the result alive (Micrometer's gauges hold their object weakly).
        double minCosine = loaded.check().map(PrecisionSelfCheck.Result::minCosine).orElse(Double.NaN);
        Gauge.builder(MetricNames.MODEL_BF16_MIN_COSINE, () -> minCosine).strongReference(true).register(metrics);
        log.info("model loaded", kv("model_path", model.file().toString()), kv("model", model.name()),
                kv("precision", loaded.precision().torchDtype()), kv("dimension", model.dimension()),
                kv("load_ms", model.loadTime().toMillis()));
    }

    /** The model settings as the loader takes them; also used by the one-off commands. */
    public static ModelLoader.Request modelRequest(WorkerConfig.ModelConfig m) {
        return new ModelLoader.Request(m.modelPath(), m.modelName(), m.dimension(), m.precision(), m.sha256s(), m.device());
    }

    /** The daemon's decode path: its limits and IMAGE_DOWNSCALE mode. */
    private ImagePreprocessor imagePreprocessor() {
        return ImagePreprocessor.of(new DecodeLimits(config.objects().maxImagePixels(), DecodeLimits.DEFAULT_MAX_SIDE),
                config.objects().downscale());
    }

    private void setUpIndex() throws IOException {
        IndexSetupResult result = indexSetup().ensureIndex();
        log.info("index ready", kv("index", result.index()), kv("created", result.created()),
                kv("added_fields", result.addedFields()), kv("warnings", result.warnings()));
        // A closed index or an alias without a write index is fixed by an operator, like an outage: start with
        // receiving paused (the gate logs why) rather than fail every message received.
        startupWriteProblem = indexSetup().writeProblem().orElse(null);
    }

    /** The OpenSearch client for the configured endpoint and auth; also used by the one-off index command. */
    public static OpenSearchClient openSearchClient(WorkerConfig.IndexConfig index) {
        try {
            OpenSearchAuth auth = switch (index.auth()) {
                case NONE -> OpenSearchAuth.none();
                case BASIC -> OpenSearchAuth.basic(index.username(), index.password());
                case SIGV4 -> OpenSearchAuth.sigV4FromDefaultChains(index.sigv4Service());
            };
            return new OpenSearchClientFactory(index.endpoint(), auth, index.tlsVerify(),
                    OpenSearchClientFactory.DEFAULT_CONNECT_TIMEOUT, OpenSearchClientFactory.DEFAULT_RESPONSE_TIMEOUT).create();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new StartupException(List.of("opensearch " + index.endpoint() + ": " + e.getMessage()));
        }
    }

    public static IndexSetup indexSetup(OpenSearchClient client, WorkerConfig config) {
        return new IndexSetup(client, config.index().indexName(), config.model().dimension(),
                config.index().knnEngine(), config.index().knnSpaceType(),
                config.index().documentIdMode() == DocumentIdMode.LOOKUP ? config.index().lookupField() : null);
    }

    private IndexSetup indexSetup() {
        return indexSetup(openSearch, config);
    }

    private void readQueueAttributes() {
        String queueUrl = config.queue().queueUrl();
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.REDRIVE_POLICY, QueueAttributeName.VISIBILITY_TIMEOUT)).attributes();
        maxReceiveCount = DeadLetterWatch.maxReceiveCount(attributes.get(QueueAttributeName.REDRIVE_POLICY));
        if (!attributes.containsKey(QueueAttributeName.REDRIVE_POLICY)) {
            log.warn("queue has no dead-letter queue: a message that keeps failing will be retried until it expires",
                    kv("queue_url", queueUrl));
        }
    }

    /**
     * A missing table is a configuration mistake and stops start-up (the check throws); an unreachable DynamoDB
     * does not, nor is it waited for, since the cache only saves work (the worker then embeds everything and warns
     * once per interval).
     */
    private void checkCacheTable() {
        String table = config.cache().table();
        try {
            dynamoDb.describeTable(b -> b.tableName(table));
        } catch (ResourceNotFoundException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("embedding cache unreachable at start-up, carrying on without it until it answers",
                    kv("table", table), kv("reason", Reason.CACHE_ERROR.code()), kv("detail", e.toString()));
        }
    }

    private void buildPipeline() {
        WorkerConfig.ModelConfig m = config.model();
        EmbeddingCache cache = buildCache();
        WorkerConfig.RetryConfig retry = config.retry();
        RetryPolicy retryPolicy = new RetryPolicy(retry.maxAttempts(), retry.initialBackoff(), retry.maxBackoff());
        openSearchGate = closeLater(new OutageGate("opensearch", this::openSearchAnswers, OUTAGE_PROBE_INTERVAL, clock, metrics));
        health.pausedWhile(openSearchGate::pausedBecause);
        if (startupWriteProblem != null) {
            openSearchGate.unavailable(Reason.INDEX_NOT_WRITABLE, startupWriteProblem);
        }
        DocumentIdResolver resolver = switch (config.index().documentIdMode()) {
            case KEY -> DocumentIdResolver.byKey();
            case URL_HASH -> DocumentIdResolver.byUrlHash();
            // The lookup search is retried like the bulk and closes the gate on an outage: it fails before the bulk.
            case LOOKUP -> DocumentIdResolver.byLookup(openSearch, config.index().indexName(), config.index().lookupField(),
                    DocumentIdResolver.DEFAULT_MAX_DOCUMENTS_PER_KEY, LookupRetry.of(Retries.onExceptions("opensearch_lookup",
                            retryPolicy, LookupRetry::worthRetrying, Retries.RANDOM_JITTER, metrics), openSearchGate));
        };
        BulkIndexer bulk = new BulkIndexer(openSearch, config.index().indexName(), config.index().missingDocument(),
                BulkIndexer.DEFAULT_RETRY_ON_CONFLICT);
        ImagePreprocessor preprocessor = imagePreprocessor();
        pipeline = new Pipeline(
                retrying(TestHooks.failingFirstGets(new S3ObjectFetcher(s3, config.objects().maxObjectBytes(),
                        config.objects().bucketOwners())), retryPolicy),
                cache,
                TestHooks.failingFirstDecodes(preprocessor::preprocess),
                TestHooks.failingFirstBatches(TestHooks.slowedDown(() -> model.newEmbedder(m.batchMaxSize()))),
                new BulkDocumentIndexer(resolver, retrying(bulk, retryPolicy), m.modelName()),
                new OutcomeLog(itemCounters, metrics, clock),
                new Pipeline.Limits(m.workQueueCapacity(), m.decodeThreads() * FETCH_THREADS_PER_DECODE_THREAD,
                        m.decodeThreads(), m.inferenceThreads(), m.batchMaxSize(), m.batchMaxWait(), 100),
                metrics, clock);
        closeables.push(pipeline);
        pipeline.onThreadDied(health::failed);
        pipeline.start();
        intake = new Intake(objectFilter(config.objects()), pipeline);
        logBucketTrust(config.objects());
    }

    /** What the queue and the backfill accept from a notification or document alone, as configured. */
    public static ObjectFilter objectFilter(WorkerConfig.ObjectConfig objects) {
        return new ObjectFilter(objects.imageExtensions(), objects.keyPrefixes(), objects.maxObjectBytes(), objects.buckets());
    }

    /** Which buckets are trusted, said once at start-up, and said plainly when it is any bucket of any account. */
    private static void logBucketTrust(WorkerConfig.ObjectConfig objects) {
        String buckets = objects.buckets().allowsAny()
                ? "S3_BUCKETS is empty: objects in any bucket a message names are fetched"
                : "only objects in S3_BUCKETS are fetched, others are skipped as " + Reason.BUCKET_NOT_ALLOWED.code();
        String owners = objects.bucketOwners().isEmpty()
                ? "S3_EXPECTED_BUCKET_OWNER is empty: S3 calls do not check which account owns the bucket"
                : "S3 calls carry the expected bucket owner";
        log.info(buckets + "; " + owners, kv("buckets", objects.buckets().toString()),
                kv("expected_bucket_owner", objects.bucketOwners().toString()));
    }

    /** S3 GETs retried for 5xx, throttling and timeouts (see FetchRetryDecision). */
    private ObjectFetcher retrying(ObjectFetcher fetcher, RetryPolicy policy) {
        return new RetryingObjectFetcher(fetcher, Retries.onExceptions("s3_get", policy,
                FetchRetryDecision::worthRetrying, Retries.RANDOM_JITTER, metrics));
    }

    /** Failed bulk items re-sent when worth it (see BulkRetryDecision); an outage closes the receive gate. */
    private BulkWriter retrying(BulkWriter bulk, RetryPolicy policy) {
        return new RetryingBulkWriter(bulk, Retries.create("opensearch_bulk", policy, e -> false,
                RetryingBulkWriter::retryWhilePending, Retries.RANDOM_JITTER, metrics), openSearchGate);
    }

    private EmbeddingCache buildCache() {
        WorkerConfig.CacheConfig c = config.cache();
        if (!c.enabled()) {
            return new NoOpEmbeddingCache();
        }
        EmbeddingCache cache = new ResilientEmbeddingCache(new PausingEmbeddingCache(
                new DynamoDbEmbeddingCache(dynamoDb, c.table(), config.model().modelName(), config.model().dimension(),
                        c.ttlDays(), c.overwriteOtherModel()),
                clock, PausingEmbeddingCache.DEFAULT_PAUSE),
                clock, ResilientEmbeddingCache.DEFAULT_WARN_INTERVAL);
        return c.localEntries() > 0 ? new LocalEmbeddingCache(cache, c.localEntries(), metrics) : cache;
    }

    private void buildQueueSource() {
        WorkerConfig.QueueConfig q = config.queue();
        InFlightRegistry registry = new InFlightRegistry(q.maxInFlightMessages());
        SqsBatchOperations operations = new SqsBatchOperations(sqs, q.queueUrl());
        MessageSettler settler = new MessageSettler(registry, operations);
        settler.onLeftForRedelivery(new DeadLetterWatch(maxReceiveCount, metrics)::leftForRedelivery);
        settler.onDeleted(metrics.counter(MetricNames.MESSAGES_DELETED)::increment);
        closeLater(new QueueBacklogGauge(sqs, q.queueUrl(), metrics, QueueBacklogGauge.DEFAULT_INTERVAL));
        QueueMessageHandler handler = new QueueMessageHandler(new NotificationParser(), intake, settler, itemCounters, metrics);
        IdleTracker idle = new IdleTracker(clock);
        List<SqsPoller> pollers = new ArrayList<>();
        for (int i = 0; i < q.pollers(); i++) {
            pollers.add(new SqsPoller(sqsReceiver, operations, q.queueUrl(), q.maxMessagesPerReceive(),
                    q.waitTimeSeconds(), q.visibilityTimeoutSeconds(), registry, handler, clock, idle, openSearchGate));
        }
        VisibilityHeartbeat heartbeat = q.heartbeatEnabled()
                ? new VisibilityHeartbeat(registry, operations, clock, q.visibilityTimeoutSeconds(), q.heartbeatFraction(),
                q.maxVisibilityTotal(), metrics)
                : null;
        metrics.gauge(MetricNames.IN_FLIGHT_MESSAGES, registry, InFlightRegistry::size);
        queueSource = new SqsQueueSource(registry, operations, pollers, settler, heartbeat, idle,
                () -> QueueCounts.read(sqs, q.queueUrl()), SdkClientSettings.sqsAttemptTimeout(q.waitTimeSeconds()));
        queueSource.onThreadDied(health::failed);
        closeables.push(queueSource);
    }

    /**
     * The outage gate's probe: OpenSearch answers (a HEAD / within the client's timeouts) and the index can take
     * writes (it exists, is open, an alias has a write index, the mapping fits). Without the second half a closed or
     * missing index would reopen the gate at once, and every message received would fail again.
     */
    private boolean openSearchAnswers() {
        try {
            if (!openSearch.ping().value()) {
                return false;
            }
            String problem = indexSetup().writeProblem().orElse(null);
            logProbeProblem(problem);
            return problem == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private synchronized void logProbeProblem(String problem) {
        if (problem != null && !problem.equals(lastProbeProblem)) {
            log.warn("index cannot take writes, receiving stays paused", kv("index", config.index().indexName()),
                    kv("reason", Reason.INDEX_NOT_WRITABLE.code()), kv("detail", problem));
        }
        lastProbeProblem = problem;
    }

    private void startMetricsServer() {
        if (config.ops().metricsPort() == 0) {
            return;
        }
        try {
            metricsServer = closeLater(new MetricsServer(config.ops().metricsHost(), config.ops().metricsPort(), prometheus, health));
        } catch (IOException e) {
            throw new StartupException(List.of("metrics endpoint " + config.ops().metricsHost() + ":"
                    + config.ops().metricsPort() + ": " + e.getMessage()));
        }
    }

    /** Adds CloudWatch to the metrics' destinations; the registry is closed (a last publish) before its client. */
    private void startCloudWatch() {
        if (!config.ops().cloudWatchEnabled()) {
            return;
        }
        try {
            CloudWatchAsyncClient cloudWatch = closeLater(CloudWatchAsyncClient.create());
            MeterRegistry registry = CloudWatchMetrics.registry(config.ops().cloudWatchNamespace(), cloudWatch);
            closeLater(registry::close);
            metrics.add(registry);
            log.info("publishing metrics to CloudWatch", kv("namespace", config.ops().cloudWatchNamespace()),
                    kv("step_seconds", CloudWatchMetrics.STEP.toSeconds()));
        } catch (RuntimeException e) {
            throw new StartupException(List.of("cloudwatch (CLOUDWATCH_ENABLED=true): " + e.getMessage()));
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.push(closeable);
        return closeable;
    }

    /** The loaded model (the benchmark measures its ceiling in the worker's own JVM). */
    public ClipModel model() {
        return model;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public Intake intake() {
        return intake;
    }

    public SqsQueueSource queueSource() {
        return queueSource;
    }

    public HealthState health() {
        return health;
    }

    /** The registry behind /metrics (every meter the worker registers reaches it). */
    public PrometheusMeterRegistry metrics() {
        return prometheus;
    }

    public OpenSearchClient openSearch() {
        return openSearch;
    }

    public S3Client s3() {
        return s3;
    }

    public SqsClient sqs() {
        return sqs;
    }

    @Override
    public void close() {
        while (!closeables.isEmpty()) {
            AutoCloseable closeable = closeables.pop();
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("close failed", kv("component", closeable.getClass().getSimpleName()),
                        kv("reason", Reason.INTERNAL_ERROR.code()), kv("detail", e.toString()));
            }
        }
    }
}

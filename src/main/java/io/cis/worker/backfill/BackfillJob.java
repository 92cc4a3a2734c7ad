package io.cis.worker.backfill;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cis.worker.app.Application;
import io.cis.worker.app.Daemon;
import io.cis.worker.app.ShutdownSignal;
import io.cis.worker.app.StartupException;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.core.Reason;
import io.cis.worker.pipeline.Intake;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The backfill's lifecycle, as {@code Daemon} is the queue worker's: build what the mode needs (the whole pipeline
 * for a direct run; only the clients for --enqueue and --dry-run), open the source, run with progress reports,
 * stop cleanly on SIGINT/SIGTERM, print and log the summary, and return the exit status.
 */
public final class BackfillJob {

    /** Configuration or a service check failed before anything was selected. */

    private static final Logger log = LoggerFactory.getLogger(BackfillJob.class);

    private final WorkerConfig config;
    private final BackfillRequest request;
    private final Clock clock = Clock.systemUTC();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final BackfillTally tally = new BackfillTally();
    /** Taken from the application in a direct run, else created for the source that needs it. */
    private OpenSearchClient openSearch;
    private S3Client s3;

    public BackfillJob(WorkerConfig config, BackfillRequest request) {
        this.config = config;
        this.request = request;
    }

    public int run() {
        ShutdownSignal shutdown = ShutdownSignal.install();
        try {
            return runWith(shutdown);
        } finally {
            closeAll();
        }
    }

    private int runWith(ShutdownSignal shutdown) {
        long startedAt = System.nanoTime();
        log.info("backfill starting", kv("source", description()), kv("limit", request.limit()),
                kv("retry_failed", request.retryFailed()), kv("config", config.toString()));
        Backfill.Dispatcher dispatcher;
        BackfillSource source;
        try {
            dispatcher = dispatcher();
            source = openSource();
        } catch (StartupException e) {
            log.error("backfill start-up failed", kv("problems", e.problems()));
            System.err.println(e.getMessage());
            return Daemon.EXIT_STARTUP_FAILED;
        }
        double rate = request.rateLimit() != null ? request.rateLimit() : config.backfill().rateLimit();
        Backfill backfill = new Backfill(source, screen(), dispatcher, tally, new RateLimiter(rate), request.limit(),
                () -> requested(shutdown), config.queue().shutdownGrace(), System::nanoTime);
        OptionalLong total = backfill.expectedTotal();
        // The summary reports what the source counted, never the limit standing in for an unknown total.
        OptionalLong matching = source.total();
        long start = System.nanoTime();
        log.info("backfill selecting", kv("source", description()), kv("total", total.isPresent() ? total.getAsLong() : null),
                kv("rate_limit", rate), kv("startup_ms", (start - startedAt) / 1_000_000));

        boolean interactive = Terminal.isInteractive();
        if (interactive) {
            quietItemLogs();
        }
        shutdown.onSecondSignal(() -> {
            BackfillSummary summary = summary(matching, start, true, null);
            System.out.print(summary.text());
            summary.log();
            Runtime.getRuntime().halt(BackfillSummary.EXIT_INTERRUPTED); // before ShutdownSignal's own halt(0)
        });

        // A dry run reads the source like a real run: OpenSearch's count includes documents outside KEY_PREFIXES or
        // without an S3 location, and an S3 listing has no count at all (a bucket that does not exist must fail).
        Backfill.Result result;
        try (ProgressReporter progress = new ProgressReporter(tally::snapshot, total, interactive ? System.err : null,
                config.backfill().progressInterval(), System::nanoTime)) {
            progress.start();
            result = backfill.run();
        }
        BackfillSummary summary = summary(matching, start, result.interrupted(), result.sourceError());
        System.out.print(summary.text());
        System.out.flush();
        summary.log();
        return summary.exitCode();
    }

    private BackfillSummary summary(OptionalLong total, long startNanos, boolean interrupted, String sourceError) {
        return new BackfillSummary(description(), request.mode(), total, tally.snapshot(),
                Duration.ofNanos(System.nanoTime() - startNanos), interrupted, sourceError);
    }

    private static boolean requested(ShutdownSignal shutdown) {
        try {
            return shutdown.awaitRequested(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    // --- composition ---

    private Backfill.Dispatcher dispatcher() {
        switch (request.mode()) {
            case DIRECT -> {
                Application app = Application.start(withBackfillMetricsPort(config), Application.Mode.BACKFILL, clock);
                resources.push(app);
                openSearch = app.openSearch();
                s3 = app.s3();
                Intake intake = app.intake();
                return candidate -> intake.offer(candidate.object(), candidate.documentId(), tally, clock.millis(),
                        candidate.knownImage());
            }
            case ENQUEUE -> {
                SqsClient sqs = SqsClient.create();
                resources.push(sqs);
                try {
                    sqs.getQueueAttributes(b -> b.queueUrl(request.queueUrl()));
                } catch (RuntimeException e) {
                    throw new StartupException(List.of("sqs queue " + request.queueUrl() + ": " + e.getMessage()));
                }
                BackfillEnqueuer enqueuer = new BackfillEnqueuer(sqs, request.queueUrl(), tally);
                return new Backfill.Dispatcher() {
                    @Override
                    public void dispatch(BackfillCandidate candidate) {
                        enqueuer.add(candidate);
                    }

                    @Override
                    public void flush() {
                        enqueuer.flush();
                    }
                };
            }
            case DRY_RUN -> {
                return candidate -> tally.counted();
            }
            default -> throw new IllegalStateException("unknown mode " + request.mode());
        }
    }

    /**
     * Where the daemon would skip an object from its notification alone, the backfill passes it over before
     * selecting it. An extension-less image the operator's query chose can only be embedded by this process: the
     * daemon behind the queue judges a key by its extension.
     */
    private BackfillScreen screen() {
        return new BackfillScreen(Application.objectFilter(config.objects()), request.mode() != Backfill.Mode.ENQUEUE);
    }

    private BackfillSource openSource() {
        return switch (request.source()) {
            case OPENSEARCH -> openOpenSearchSource();
            case S3 -> {
                if (s3 == null) {
                    s3 = S3Client.builder().forcePathStyle(config.objects().s3ForcePathStyle()).build();
                    resources.push(s3);
                }
                BackfillSource source = new S3BackfillSource(s3, request.bucket(), request.prefix(), request.slice(),
                        config.objects().bucketOwners());
                resources.push(source);
                yield source;
            }
        };
    }

    private BackfillSource openOpenSearchSource() {
        if (openSearch == null) {
            OpenSearchClient client = Application.openSearchClient(config.index());
            resources.push(() -> client._transport().close());
            openSearch = client;
        }
        WorkerConfig.BackfillConfig b = config.backfill();
        try {
            Query images = b.imageQuery().isPresent()
                    ? BackfillQuery.parse(b.imageQuery().get(), openSearch._transport().jsonpMapper())
                    : BackfillQuery.imagesByKeyExtension(b.keyField(), config.objects().imageExtensions());
            Query query = BackfillQuery.needingEmbedding(images, config.model().modelName(), request.retryFailed());
            BackfillSource source = OpenSearchBackfillSource.open(openSearch, new OpenSearchBackfillSource.Options(
                    config.index().indexName(), query, request.slice(), b.keyField(), b.bucketField(), request.bucket(),
                    b.sortField(), b.pageSize(), b.imageQuery().isPresent()));
            resources.push(source);
            return source;
        } catch (IOException | RuntimeException e) {
            throw new StartupException(List.of("opensearch " + config.index().endpoint() + " index "
                    + config.index().indexName() + ": cannot search for documents to backfill: " + e.getMessage()));
        }
    }

    /** The backfill has its own metrics port (none by default), so it never collides with a daemon on the host. */
    private static WorkerConfig withBackfillMetricsPort(WorkerConfig c) {
        return new WorkerConfig(c.queue(), c.objects(), c.model(), c.index(), c.cache(), c.retry(),
                new WorkerConfig.OpsConfig(c.ops().metricsHost(), c.backfill().metricsPort(), c.ops().cloudWatchEnabled(),
                        c.ops().cloudWatchNamespace()), c.backfill());
    }

    /** On a terminal only failures are worth a line: one line per indexed image would bury the progress bar. */
    private static void quietItemLogs() {
        if (LoggerFactory.getLogger("io.cis.worker.outcome") instanceof ch.qos.logback.classic.Logger outcomes) {
            outcomes.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    private String description() {
        String where = request.source() == BackfillRequest.Source.OPENSEARCH
                ? "opensearch index " + config.index().indexName()
                : "s3://" + request.bucket() + "/" + (request.prefix() == null ? "" : request.prefix());
        String slice = request.slice().isWhole() ? "" : ", slice " + request.slice();
        return where + slice + ", " + request.mode().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private void closeAll() {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("close failed", kv("component", resource.getClass().getSimpleName()),
                        kv("reason", Reason.INTERNAL_ERROR.code()), kv("detail", e.toString()));
            }
        }
    }
}

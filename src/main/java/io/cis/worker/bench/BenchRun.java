package io.cis.worker.bench;

import io.cis.worker.app.Application;
import io.cis.worker.config.RawSettings;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.source.S3NotificationPublisher;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One benchmark run, all in this JVM: the worker itself (the same {@link Application} the daemon builds, on a
 * fresh queue, cache table and index), the model-only ceiling through the worker's own model, then passes of the
 * image set through SQS -> S3 -> cache -> decode -> inference -> OpenSearch:
 * <ol>
 *   <li>paced: a separate set of fresh images offered at a light, steady rate (latency at light load);</li>
 *   <li>cold: the whole set sent at once, cache empty (end-to-end throughput);</li>
 *   <li>warm: the same set again, every image now a cache hit in DynamoDB (the in-process cache is off), found by
 *       the ETag in its notification, so without a download.</li>
 * </ol>
 * Notifications carry the objects' ETags, as S3's do.
 */
public final class BenchRun {

    /** What to run; see BenchCommand for the meaning of each. */
    public record Options(Path cacheRoot, int count, int limit, int pacedCount, long seed, double pacedRate,
                          Duration ceilingWindow, int ceilingWarmupBatches, Set<String> phases, Duration phaseTimeout,
                          String bucket, Path readme, Path jsonOut, Path profile) {
    }

    /** CPU time per profile sample: about 15,000 samples in a cold pass of 200 images on two cores. */
    static final Duration PROFILE_INTERVAL = Duration.ofMillis(2);

    static final List<String> STAGE_TIMERS = List.of("fetch", "cache", "decode", "inference", "index");

    private final Options options;
    private final Map<String, String> environment;
    private final PrintStream out;

    public BenchRun(Options options, Map<String, String> environment, PrintStream out) {
        this.options = options;
        this.environment = environment;
        this.out = out;
    }

    public int run() throws Exception {
        BenchImageSet set = BenchImageSet.load(BenchImageSet.dirFor(options.cacheRoot(), options.count(), options.seed()))
                .limit(options.limit());
        BenchImageSet pacedSet = options.phases().contains("paced") && options.pacedCount() > 0
                ? BenchImageSet.load(BenchImageSet.dirFor(options.cacheRoot(), options.pacedCount(), options.seed() + 1))
                : null;
        String runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("MMddHHmmss"));

        try (BenchResources resources = new BenchResources(SqsClient.create(), DynamoDbClient.create(), runId)) {
            Map<String, String> settings = new HashMap<>(environment);
            settings.put("SQS_QUEUE_URL", resources.createQueue(60));
            settings.put("OPENSEARCH_INDEX", resources.indexName());
            settings.put("EMBEDDING_CACHE_ENABLED", "true");
            settings.put("EMBEDDING_CACHE_TABLE", resources.createCacheTable());
            // Warm-pass hits must come from DynamoDB, as on a fleet where another instance embedded the image.
            settings.put("LOCAL_CACHE_ENTRIES", "0");
            settings.put("METRICS_PORT", "0");
            settings.put("EXIT_WHEN_IDLE_SECONDS", "0");
            WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), settings), WorkerConfig.Scope.DAEMON);

            String bucket = options.bucket();
            Map<String, String> eTags = new HashMap<>();
            // Plain PUTs (no aws-chunked trailing checksum) two at a time: the local S3 emulator, with its small heap,
            // runs out of memory decoding several large chunked uploads at once.
            try (S3Client s3 = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder().maxConnections(4))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .forcePathStyle(config.objects().s3ForcePathStyle()).build()) {
                BenchResources.upload(s3, bucket, prefix(set), set, 2, out);
                eTags.putAll(BenchResources.eTags(s3, bucket, prefix(set)));
                if (pacedSet != null) {
                    BenchResources.upload(s3, bucket, prefix(pacedSet), pacedSet, 2, out);
                    eTags.putAll(BenchResources.eTags(s3, bucket, prefix(pacedSet)));
                }
            }

            RunReport report = new RunReport(set, config, settings);
            report.bucket = bucket;
            set.images().forEach(image -> report.keys.add(prefix(set) + image.file()));
            OutcomeRecorder recorder = OutcomeRecorder.attach();
            long startedAt = System.nanoTime();
            try (Application app = Application.start(config, Application.Mode.DAEMON, Clock.systemUTC())) {
                report.modelLoadSeconds = (System.nanoTime() - startedAt) / 1e9;
                report.rssAfterStartBytes = StageCpu.residentMemory()[1];
                report.modelFile = app.model().file();
                if (options.phases().contains("ceiling")) {
                    ceiling(app, set, config, report);
                    out.println(BenchReport.ceilingLine(report.ceiling, report.ceilingCpuSecondsPerImage));
                }
                app.queueSource().start();
                app.health().ready();
                // The run's own SQS client, not the worker's, sends the notifications.
                S3NotificationPublisher publisher = new S3NotificationPublisher(resources.sqs(), settings.get("SQS_QUEUE_URL"));
                if (pacedSet != null) {
                    report.phases.add(phase("paced", app, recorder, publisher, pacedSet, bucket, eTags, options.pacedRate()));
                }
                if (options.phases().contains("cold")) {
                    CpuProfiler profiler = options.profile() != null ? CpuProfiler.start(PROFILE_INTERVAL) : null;
                    report.phases.add(phase("cold", app, recorder, publisher, set, bucket, eTags, 0));
                    if (profiler != null) {
                        CpuProfiler.Samples samples = profiler.stop(options.profile());
                        report.coldProfile = new ColdProfile(samples, ProfileBreakdown.of(samples.collapsed()));
                    }
                }
                if (options.phases().contains("warm")) {
                    report.phases.add(phase("warm", app, recorder, publisher, set, bucket, eTags, 0));
                }
                app.queueSource().stopReceiving();
                deleteIndex(app, resources.indexName());
            } finally {
                recorder.detach();
            }
            long[] memory = StageCpu.residentMemory();
            report.peakRssBytes = memory[0];
            report.finalRssBytes = memory[1];
            BenchReport.print(report, out);
            if (options.readme() != null) {
                BenchReport.updateReadme(options.readme(), report);
                out.println("updated the results table in " + options.readme());
            }
            if (options.jsonOut() != null) {
                Files.createDirectories(options.jsonOut().toAbsolutePath().getParent());
                Files.writeString(options.jsonOut(), BenchReport.json(report));
            }
            return report.allIndexed() ? 0 : 1;
        }
    }

    private static String prefix(BenchImageSet set) {
        return "bench/" + set.dir().getFileName() + "/";
    }

    private void ceiling(Application app, BenchImageSet set, WorkerConfig config, RunReport report) throws Exception {
        WorkerConfig.ModelConfig m = config.model();
        int needed = Math.min(set.images().size(), m.batchMaxSize() * m.inferenceThreads());
        ImagePreprocessor preprocessor = new ImagePreprocessor();
        List<float[]> tensors = new ArrayList<>();
        for (int i = 0; i < needed; i++) {
            tensors.add(preprocessor.preprocess(Files.readAllBytes(set.path(set.images().get(i)))));
        }
        out.printf(Locale.ROOT, "ceiling: %d predictor(s) x batch %d, torch threads %d, %d s after %d warm-up batches ...%n",
                m.inferenceThreads(), m.batchMaxSize(), m.torchThreads(), options.ceilingWindow().toSeconds(),
                options.ceilingWarmupBatches());
        List<Map<Integer, StageCpu.ThreadTime>> snapshots = new ArrayList<>();
        CeilingBenchmark.Result result = CeilingBenchmark.run(() -> app.model().newEmbedder(m.batchMaxSize()), tensors,
                m.batchMaxSize(), m.inferenceThreads(), options.ceilingWarmupBatches(), options.ceilingWindow(),
                () -> snapshots.add(StageCpu.snapshot()), () -> snapshots.add(StageCpu.snapshot()));
        double cpu = StageCpu.secondsOf(snapshots.get(0), snapshots.get(1), "ceiling-");
        report.ceiling = result;
        report.ceilingCpuSecondsPerImage = cpu / result.images();
    }

    private PhaseResult phase(String name, Application app, OutcomeRecorder recorder, S3NotificationPublisher publisher,
                              BenchImageSet set, String bucket, Map<String, String> eTags, double rate)
            throws InterruptedException {
        out.printf(Locale.ROOT, "%s: %d images%s ...%n", name, set.images().size(),
                rate > 0 ? String.format(Locale.ROOT, " offered at %.1f/s", rate) : " sent at once");
        List<S3ObjectRef> refs = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        for (BenchImageSet.Image image : set.images()) {
            String key = prefix(set) + image.file();
            S3ObjectRef ref = new S3ObjectRef(bucket, key, null, image.bytes(), eTags.get(key));
            refs.add(ref);
            urls.add(ref.s3Url());
        }
        MeterRegistry metrics = app.metrics();
        recorder.clear();
        MetricsSnapshot metricsBefore = MetricsSnapshot.take(metrics);
        Map<Integer, StageCpu.ThreadTime> cpuBefore = StageCpu.snapshot();
        double machineBefore = StageCpu.machineBusySeconds();
        long startMillis = System.currentTimeMillis();

        if (rate <= 0) {
            publisher.publish(refs);
        } else {
            long startNanos = System.nanoTime();
            for (int i = 0; i < refs.size(); i++) {
                long due = startNanos + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                publisher.publish(List.of(refs.get(i)));
            }
        }
        List<OutcomeRecorder.Outcome> outcomes = recorder.await(urls, options.phaseTimeout());

        Map<Integer, StageCpu.ThreadTime> cpuAfter = StageCpu.snapshot();
        double machineBusy = StageCpu.machineBusySeconds() - machineBefore;
        MetricsSnapshot metricsAfter = MetricsSnapshot.take(metrics);

        long lastMillis = outcomes.stream().mapToLong(OutcomeRecorder.Outcome::atMillis).max().orElse(startMillis);
        List<Long> latencies = outcomes.stream().filter(OutcomeRecorder.Outcome::indexed)
                .map(OutcomeRecorder.Outcome::latencyMillis).sorted().toList();
        int indexed = latencies.size();
        int hits = (int) outcomes.stream().filter(o -> o.indexed() && o.cacheHit()).count();
        int hitsWithoutDownload = (int) outcomes.stream().filter(o -> o.indexed() && o.cacheHit() && !o.downloaded()).count();
        List<String> failures = outcomes.stream().filter(o -> !o.indexed()).limit(5)
                .map(o -> o.s3Url() + ": " + o.outcome() + " " + o.reason() + " " + o.detail()).toList();
        Map<String, Double> wall = new LinkedHashMap<>();
        for (String stage : STAGE_TIMERS) {
            wall.put(stage, metricsAfter.stageSeconds.get(stage) - metricsBefore.stageSeconds.get(stage));
        }
        Map<String, Long> batches = new LinkedHashMap<>();
        metricsAfter.batchBuckets.forEach((bucketLabel, count) ->
                batches.put(bucketLabel, count - metricsBefore.batchBuckets.getOrDefault(bucketLabel, 0L)));
        long batchCount = metricsAfter.batchCount - metricsBefore.batchCount;
        double batchTotal = metricsAfter.batchTotal - metricsBefore.batchTotal;
        PhaseResult result = new PhaseResult(name, refs.size(), indexed, refs.size() - indexed, hits, hitsWithoutDownload,
                (lastMillis - startMillis) / 1000.0, rate, latencies, metricsAfter.latencyP50, metricsAfter.latencyP95,
                StageCpu.between(cpuBefore, cpuAfter), wall, machineBusy, batches,
                batchCount == 0 ? 0 : batchTotal / batchCount, failures);
        out.println(BenchReport.phaseLine(result));
        return result;
    }

    private static void deleteIndex(Application app, String index) {
        try {
            app.openSearch().indices().delete(b -> b.index(index));
        } catch (Exception e) {
            System.err.println("bench: could not delete index " + index + ": " + e.getMessage());
        }
    }

    /** Cumulative figures of the worker's own metrics at one moment. */
    private static final class MetricsSnapshot {
        final Map<String, Double> stageSeconds = new HashMap<>();
        final Map<String, Long> batchBuckets = new LinkedHashMap<>();
        long batchCount;
        double batchTotal;
        double latencyP50 = -1;
        double latencyP95 = -1;

        static MetricsSnapshot take(MeterRegistry metrics) {
            MetricsSnapshot s = new MetricsSnapshot();
            for (String stage : STAGE_TIMERS) {
                Timer timer = metrics.find(MetricNames.STAGE_TIME).tag(MetricNames.TAG_STAGE, stage).timer();
                s.stageSeconds.put(stage, timer == null ? 0 : timer.totalTime(TimeUnit.NANOSECONDS) / 1e9);
            }
            DistributionSummary batch = metrics.find(MetricNames.BATCH_SIZE).summary();
            if (batch != null) {
                HistogramSnapshot h = batch.takeSnapshot();
                s.batchCount = h.count();
                s.batchTotal = h.total();
                double previousBound = 0;
                double previousCumulative = 0;
                for (CountAtBucket bucket : h.histogramCounts()) {
                    double bound = bucket.bucket();
                    String label = bound - previousBound <= 1 ? fmt(bound) : fmt(Math.floor(previousBound) + 1) + "-" + fmt(bound);
                    s.batchBuckets.put(label, Math.round(bucket.count() - previousCumulative));
                    previousBound = bound;
                    previousCumulative = bucket.count();
                }
                s.batchBuckets.put(">" + fmt(previousBound), Math.round(h.count() - previousCumulative));
            }
            Timer latency = metrics.find(MetricNames.ENQUEUE_TO_INDEXED).timer();
            if (latency != null) {
                for (ValueAtPercentile p : latency.takeSnapshot().percentileValues()) {
                    if (Math.abs(p.percentile() - 0.5) < 1e-9) {
                        s.latencyP50 = p.value(TimeUnit.MILLISECONDS);
                    } else if (Math.abs(p.percentile() - 0.95) < 1e-9) {
                        s.latencyP95 = p.value(TimeUnit.MILLISECONDS);
                    }
                }
            }
            return s;
        }

        private static String fmt(double v) {
            return Long.toString(Math.round(v));
        }
    }

    /** The cold pass's profile and what it says. */
    record ColdProfile(CpuProfiler.Samples samples, ProfileBreakdown breakdown) {
    }

    /** Everything the report prints. */
    static final class RunReport {
        final BenchImageSet set;
        final WorkerConfig config;
        final Map<String, String> settings;
        final List<PhaseResult> phases = new ArrayList<>();
        CeilingBenchmark.Result ceiling;
        double ceilingCpuSecondsPerImage;
        double modelLoadSeconds;
        long rssAfterStartBytes;
        /** The model file the worker loaded (MODEL_PRECISION=auto may pick the bf16 export beside MODEL_PATH). */
        Path modelFile;
        long peakRssBytes;
        long finalRssBytes;
        /** The cold pass's CPU samples, when a profile was asked for. */
        ColdProfile coldProfile;
        /** Where the main set lives in S3 (its keys in the set's order). */
        String bucket;
        final List<String> keys = new ArrayList<>();

        RunReport(BenchImageSet set, WorkerConfig config, Map<String, String> settings) {
            this.set = set;
            this.config = config;
            this.settings = settings;
        }

        Path modelFile() {
            return modelFile != null ? modelFile : config.model().modelPath();
        }

        PhaseResult phase(String name) {
            return phases.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
        }

        boolean allIndexed() {
            return phases.stream().allMatch(p -> p.failed() == 0);
        }
    }
}

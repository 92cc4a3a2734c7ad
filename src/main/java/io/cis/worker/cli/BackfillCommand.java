package io.cis.worker.cli;

import io.cis.worker.backfill.Backfill;
import io.cis.worker.backfill.BackfillJob;
import io.cis.worker.backfill.BackfillRequest;
import io.cis.worker.backfill.Slice;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.core.Reason;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = {"Embed images that already exist (also run as `cis-worker --backfill`), through the same",
                "pipeline as the daemon, then print a summary. Default source: the OpenSearch documents that are images",
                "and have no embedding, or one from another MODEL_NAME. Running it again continues where it stopped.",
                "Exit status: 0 all done, 1 something failed, 2 bad usage or settings, 3 start-up failed,",
                "130 interrupted by SIGINT/SIGTERM (run again to continue)."})
public final class BackfillCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--source", paramLabel = "opensearch|s3", defaultValue = "opensearch",
            description = "Where to find the images (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--bucket", paramLabel = "BUCKET",
            description = "S3 source: the bucket to list. OpenSearch source: the bucket of documents without one.")
    String bucket;

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "S3 source: only keys under this prefix.")
    String prefix;

    @Option(names = "--slice", paramLabel = "i/n",
            description = "Process only part i of n (0-based), so n processes split the work without overlap.")
    String slice;

    @Option(names = "--enqueue", description = "Put the selected images on the worker queue for the running daemons.")
    boolean enqueue;

    @Option(names = "--dry-run", description = "Only count what would be processed.")
    boolean dryRun;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Select at most N images (0 = all).")
    long limit;

    @Option(names = "--retry-failed", description = "Also select documents whose image failed before (image_embedding_error).")
    boolean retryFailed;

    @Option(names = "--rate-limit", paramLabel = "IMAGES_PER_SECOND",
            description = "Overrides BACKFILL_RATE_LIMIT (0 = unlimited).")
    Double rateLimit;

    @Option(names = "--queue-url", paramLabel = "URL", description = "--enqueue target (default: SQS_QUEUE_URL).")
    String queueUrl;

    @Override
    public Integer call() {
        WorkerConfig workerConfig = config.load(WorkerConfig.Scope.BACKFILL);
        BackfillRequest request;
        try {
            request = request(workerConfig);
        } catch (IllegalArgumentException e) {
            System.err.println("backfill: " + e.getMessage());
            return 2;
        }
        return new BackfillJob(workerConfig, request).run();
    }

    private BackfillRequest request(WorkerConfig workerConfig) {
        BackfillRequest.Source from = switch (source.toLowerCase(Locale.ROOT)) {
            case "opensearch" -> BackfillRequest.Source.OPENSEARCH;
            case "s3" -> BackfillRequest.Source.S3;
            default -> throw new IllegalArgumentException("--source must be opensearch or s3, got " + source);
        };
        if (from == BackfillRequest.Source.S3 && (bucket == null || bucket.isBlank())) {
            throw new IllegalArgumentException("--source s3 needs --bucket");
        }
        if (bucket != null && !workerConfig.objects().buckets().allows(bucket)) {
            // Refused before anything is listed or enqueued: the daemon would skip every object anyway.
            throw new IllegalArgumentException("--bucket " + bucket + " is not in S3_BUCKETS ("
                    + workerConfig.objects().buckets() + "): " + Reason.BUCKET_NOT_ALLOWED.code());
        }
        if (from == BackfillRequest.Source.OPENSEARCH && prefix != null) {
            throw new IllegalArgumentException("--prefix applies to --source s3 only");
        }
        if (enqueue && dryRun) {
            throw new IllegalArgumentException("--enqueue and --dry-run exclude each other");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must not be negative");
        }
        if (rateLimit != null && !(rateLimit >= 0)) {
            throw new IllegalArgumentException("--rate-limit must be 0 or more");
        }
        String queue = queueUrl != null ? queueUrl : workerConfig.queue().queueUrl();
        if (enqueue && (queue == null || queue.isBlank())) {
            throw new IllegalArgumentException("--enqueue needs a queue: set SQS_QUEUE_URL or pass --queue-url");
        }
        Backfill.Mode mode = enqueue ? Backfill.Mode.ENQUEUE : dryRun ? Backfill.Mode.DRY_RUN : Backfill.Mode.DIRECT;
        return new BackfillRequest(from, bucket, prefix, slice == null ? Slice.ALL : Slice.parse(slice), mode, limit,
                retryFailed, queue, rateLimit);
    }
}

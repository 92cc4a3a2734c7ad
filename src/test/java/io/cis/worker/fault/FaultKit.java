package io.cis.worker.fault;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One fault scenario's world on the local stack: its own queue + DLQ, its own index, its own key prefix in the
 * bucket, the worker processes it started (with their memory watched), and the checks every scenario ends with.
 * Closing it removes all of that again.
 */
final class FaultKit implements AutoCloseable {

    /** An object uploaded for the scenario and the photo it holds. */
    record Upload(String key, Photos.Photo photo) {
    }

    /** What the index says about a set of uploads. */
    record Verification(int expected, int correct, int wrongVector, int missing, List<String> problems) {
        int lost() {
            return expected - correct;
        }
    }

    final String scenario;
    final SqsClient sqs = LocalStack.sqs();
    final S3Client s3 = LocalStack.s3();
    final String bucket = LocalStack.require("S3_BUCKET");
    final TestQueues queues;
    final SearchIndex index;
    final String prefix;
    final int maxReceiveCount;
    final int visibilitySeconds;
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final List<RssSampler> samplers = new ArrayList<>();
    private final List<String> keys = new ArrayList<>();

    private FaultKit(String scenario, int maxReceiveCount, int visibilitySeconds) {
        this.scenario = scenario;
        this.maxReceiveCount = maxReceiveCount;
        this.visibilitySeconds = visibilitySeconds;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        this.queues = TestQueues.create(sqs, "fault-" + scenario, maxReceiveCount, visibilitySeconds);
        this.index = new SearchIndex(("cis-fault-" + scenario + "-" + suffix).toLowerCase(Locale.ROOT));
        this.prefix = "fault/" + scenario + "-" + suffix + "/";
        index.create();
    }

    static FaultKit create(String scenario, int maxReceiveCount, int visibilitySeconds) {
        return new FaultKit(scenario, maxReceiveCount, visibilitySeconds);
    }

    // --- objects and notifications ---

    /** Uploads {@code count} objects cycling through the photos: {@code PREFIX/folder/00042-horse.png}. */
    List<Upload> uploadPhotos(List<Photos.Photo> photos, int count, String folder) {
        List<Upload> uploads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Photos.Photo photo = photos.get(i % photos.size());
            String key = String.format(Locale.ROOT, "%s%s/%05d-%s.%s", prefix, folder, i, photo.baseName(), photo.extension());
            uploads.add(new Upload(key, photo));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> puts = new ArrayList<>();
            uploads.forEach(u -> puts.add(pool.submit(() -> put(u.key(), u.photo().bytes()))));
            for (Future<?> put : puts) {
                put.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("upload failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return uploads;
    }

    void put(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/octet-stream"), RequestBody.fromBytes(bytes));
        synchronized (keys) {
            keys.add(key);
        }
    }

    void deleteObject(String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    /** S3-shaped ObjectCreated notifications, one message per key, as S3 would send them. */
    void notifyCreated(List<String> keysToNotify) {
        List<S3ObjectRef> objects = keysToNotify.stream().map(k -> S3ObjectRef.of(bucket, k)).toList();
        int sent = new S3NotificationPublisher(sqs, queues.queueUrl()).publish(objects);
        assertTrue(sent == objects.size(), "sent " + sent + " of " + objects.size() + " notifications");
    }

    static List<String> keysOf(List<Upload> uploads) {
        return uploads.stream().map(Upload::key).toList();
    }

    // --- workers ---

    /** Settings for a worker on this scenario's queue and index; {@code extra} overrides them. */
    Map<String, String> workerSettings(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>();
        settings.put("SQS_QUEUE_URL", queues.queueUrl());
        settings.put("SQS_DLQ_URL", queues.dlqUrl());
        settings.put("OPENSEARCH_INDEX", index.name);
        settings.put("SQS_VISIBILITY_TIMEOUT_SECONDS", Integer.toString(visibilitySeconds));
        settings.putAll(extra);
        return settings;
    }

    WorkerProcess startWorker(String name, Map<String, String> extra, String... args) {
        WorkerProcess worker = WorkerProcess.start(scenario + "-" + name, workerSettings(extra), args);
        workers.add(worker);
        samplers.add(new RssSampler(worker.pid()));
        return worker;
    }

    /** Waits for the worker's "worker running" line (start-up checks passed, pollers started). */
    static void awaitRunning(WorkerProcess worker, Duration timeout) throws InterruptedException {
        await("worker " + worker.log() + " running", timeout, () -> {
            if (!worker.isAlive()) {
                throw new AssertionError("worker exited during start-up; log: " + worker.log());
            }
            return count(worker, "worker running") > 0;
        });
    }

    /** Log lines with this message. */
    static int count(WorkerProcess worker, String message) {
        return (int) worker.logLines().stream().filter(l -> message.equals(l.path("message").asText())).count();
    }

    /** Outcome lines of this kind (indexed, failed_permanent, ...). */
    static int outcomes(WorkerProcess worker, String outcome) {
        return (int) worker.logLines().stream()
                .filter(l -> "io.cis.worker.outcome".equals(l.path("logger_name").asText()))
                .filter(l -> outcome.equals(l.path("outcome").asText())).count();
    }

    /**
     * Messages a stop made visible again: unfinished ones (the "stopped" line), those a receive returned after the
     * stop, and those the full pipeline had no room for.
     */
    static int handedBackAtStop(WorkerProcess worker) {
        int handedBack = 0;
        boolean stopped = false;
        for (JsonNode line : worker.logLines()) {
            switch (line.path("message").asText()) {
                case "stopped" -> {
                    stopped = true;
                    handedBack += line.path("handed_back").asInt();
                }
                case "handed back messages received after the stop",
                        "handed back messages the full pipeline had no room for at the stop" ->
                        handedBack += line.path("messages").asInt();
                default -> { }
            }
        }
        assertTrue(stopped, "no 'stopped' line in " + worker.log());
        return handedBack;
    }

    /** Receives beyond the first, over every worker of the scenario (each logs "message redelivered"). */
    int redeliveries() {
        return workers.stream().mapToInt(w -> count(w, "message redelivered")).sum();
    }

    /** The highest receive count any worker logged (1 if nothing was redelivered). */
    int highestReceiveCount() {
        int highest = 1;
        for (WorkerProcess worker : workers) {
            for (JsonNode line : worker.logLines()) {
                if ("message redelivered".equals(line.path("message").asText())) {
                    highest = Math.max(highest, line.path("receive_count").asInt());
                }
            }
        }
        return highest;
    }

    /** The longest enqueue -> outcome latency ({@code latency_ms}) of any outcome line of this kind, over every worker. */
    long maxLatencyMs(String outcome) {
        return workers.stream().flatMap(w -> w.logLines().stream())
                .filter(l -> "io.cis.worker.outcome".equals(l.path("logger_name").asText()))
                .filter(l -> outcome.equals(l.path("outcome").asText()))
                .mapToLong(l -> l.path("latency_ms").asLong()).max().orElse(0);
    }

    long peakRssMb() {
        return samplers.stream().mapToLong(RssSampler::peakMb).max().orElse(0);
    }

    RssSampler sampler(WorkerProcess worker) {
        return samplers.get(workers.indexOf(worker));
    }

    // --- final state ---

    /** Every upload has a vector, and it is its own photo's (cosine to the reference >= {@link Photos#SAME_PHOTO_COSINE}). */
    Verification verify(List<Upload> uploads) {
        index.refresh();
        Map<String, JsonNode> docs = index.sources(keysOf(uploads));
        int correct = 0;
        int wrong = 0;
        int missing = 0;
        List<String> problems = new ArrayList<>();
        for (Upload upload : uploads) {
            JsonNode doc = docs.get(upload.key());
            if (doc == null || !doc.path("has_image_embedding").asBoolean()) {
                missing++;
                if (problems.size() < 10) {
                    problems.add(upload.key() + ": " + (doc == null ? "no document" : "no vector: " + doc));
                }
                continue;
            }
            float[] vector = io.cis.worker.testing.ClipReference.floats(doc.path("image_embedding"));
            double cosine = Photos.cosine(vector, upload.photo().embedding());
            if (cosine >= Photos.SAME_PHOTO_COSINE) {
                correct++;
            } else {
                wrong++;
                if (problems.size() < 10) {
                    problems.add(upload.key() + ": cosine " + cosine + " to " + upload.photo().file());
                }
            }
        }
        return new Verification(uploads.size(), correct, wrong, missing, problems);
    }

    /** Polls until every upload has a vector, or the timeout passes. */
    void awaitEmbedded(int count, Duration timeout) throws InterruptedException {
        await(count + " documents embedded in " + index.name, timeout, () -> index.countEmbedded() >= count);
    }

    int queued() {
        return queues.count(queues.queueUrl());
    }

    int deadLettered() {
        return queues.count(queues.dlqUrl());
    }

    /** Waits until the main queue is empty (nothing visible, in flight or delayed). */
    void awaitQueueEmpty(Duration timeout) throws InterruptedException {
        await("queue " + queues.queueUrl() + " empty", timeout, () -> queued() == 0);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(500);
        }
    }

    @Override
    public void close() {
        workers.forEach(WorkerProcess::close);
        samplers.forEach(RssSampler::close);
        try {
            index.delete();
        } catch (RuntimeException e) {
            // OpenSearch may be the thing a failed scenario left stopped
        }
        queues.delete();
        LocalStack.deleteObjects(s3, bucket, keys);
        sqs.close();
        s3.close();
    }
}

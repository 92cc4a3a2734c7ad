package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.await;
import static io.cis.worker.fault.FaultKit.awaitRunning;
import static io.cis.worker.fault.FaultKit.count;
import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.Metrics;
import io.cis.worker.testing.PortForwarder;
import io.cis.worker.testing.WorkerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A worker started while a service it needs is down waits for it (not ready, /health/live OK, one log line per
 * attempt), however long that takes, and then works: it indexes what is enqueued afterwards. The old start-up exited
 * with status 3 within 2 s, which under systemd's start limit left the unit failed for good after about a minute.
 */
class StartupWaitIT {

    private static final int MESSAGES = 5;
    /** Longer than systemd's old give-up window (5 restarts 10 s apart). */
    private static final Duration OPENSEARCH_DOWN = Duration.ofSeconds(75);
    private static final String WAITING = "waiting for a service at start-up";

    @Test
    void openSearchStoppedAtStartIsWaitedForThenTheWorkerIndexes() throws Exception {
        StackControl.requireOwnStack();
        try (FaultKit kit = FaultKit.create("startup-opensearch", 5, 20)) { // creates its index while OpenSearch is up
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            int metricsPort = Metrics.freePort();
            WorkerProcess worker;
            boolean stopped = false;
            try {
                StackControl.stop("opensearch");
                stopped = true;
                long stoppedAt = System.nanoTime();
                worker = kit.startWorker("worker", Map.of("METRICS_PORT", Integer.toString(metricsPort)));
                awaitWaitingFor(worker, "opensearch");
                assertWaitingVisibly(worker, metricsPort, "opensearch", "index_unreachable");

                Thread.sleep(Math.max(0, OPENSEARCH_DOWN.toMillis() - (System.nanoTime() - stoppedAt) / 1_000_000));
                assertTrue(worker.isAlive(), "the worker exited while OpenSearch was down; log " + worker.log());
                assertTrue(count(worker, WAITING) >= 5, "one line per attempt; log " + worker.log());
                assertEquals(0, count(worker, "worker running"));
                StackControl.start("opensearch");
                stopped = false;
            } finally {
                if (stopped) {
                    StackControl.start("opensearch"); // never leave the shared stack without OpenSearch
                }
            }

            awaitRunning(worker, Duration.ofMinutes(2));
            assertEquals(1, count(worker, "dependency answers, start-up goes on"), "log " + worker.log());
            awaitReady(metricsPort, Duration.ofSeconds(30));
            kit.notifyCreated(keysOf(uploads));
            kit.awaitEmbedded(MESSAGES, Duration.ofMinutes(2));
            FaultKit.Verification result = kit.verify(uploads);
            worker.sigterm();
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(30)));
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
        }
    }

    @Test
    void sqsUnreachableAtStartIsWaitedForThenTheWorkerIndexes() throws Exception {
        URI sqsEndpoint = URI.create(LocalStack.require("AWS_ENDPOINT_URL_SQS"));
        try (FaultKit kit = FaultKit.create("startup-sqs", 5, 20);
             PortForwarder sqs = new PortForwarder(sqsEndpoint)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            int metricsPort = Metrics.freePort();
            String queueUrl = sqs.url() + URI.create(kit.queues.queueUrl()).getPath();
            WorkerProcess worker = kit.startWorker("worker", Map.of("METRICS_PORT", Integer.toString(metricsPort),
                    "AWS_ENDPOINT_URL_SQS", sqs.url(), "SQS_QUEUE_URL", queueUrl));
            awaitWaitingFor(worker, "sqs");
            assertWaitingVisibly(worker, metricsPort, "sqs", "sqs_unreachable");
            Thread.sleep(20_000);
            assertTrue(worker.isAlive(), "the worker exited while SQS was unreachable; log " + worker.log());

            sqs.open();
            awaitRunning(worker, Duration.ofMinutes(1));
            awaitReady(metricsPort, Duration.ofSeconds(30));
            kit.notifyCreated(keysOf(uploads));
            kit.awaitEmbedded(MESSAGES, Duration.ofMinutes(2));
            FaultKit.Verification result = kit.verify(uploads);
            worker.sigterm();
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(30)));
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            kit.awaitQueueEmpty(Duration.ofSeconds(30));
        }
    }

    /**
     * S3 is not needed to start (it is read per item) and the cache only saves work, so with both unreachable the
     * worker starts at once, and indexes once they answer.
     */
    @Test
    void s3AndDynamoDbUnreachableAtStartDoNotHoldTheWorkerUp() throws Exception {
        try (FaultKit kit = FaultKit.create("startup-s3-dynamodb", 5, 20);
             PortForwarder s3 = new PortForwarder(URI.create(LocalStack.require("AWS_ENDPOINT_URL_S3")));
             PortForwarder dynamoDb = new PortForwarder(URI.create(LocalStack.require("AWS_ENDPOINT_URL_DYNAMODB")))) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            WorkerProcess worker = kit.startWorker("worker", Map.of(
                    "AWS_ENDPOINT_URL_S3", s3.url(), "AWS_ENDPOINT_URL_DYNAMODB", dynamoDb.url()));
            awaitRunning(worker, Duration.ofMinutes(2));
            assertEquals(0, count(worker, WAITING));
            s3.open();
            dynamoDb.open();
            kit.notifyCreated(keysOf(uploads));
            kit.awaitEmbedded(MESSAGES, Duration.ofMinutes(2));
            FaultKit.Verification result = kit.verify(uploads);
            worker.sigterm();
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(30)));
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
        }
    }

    static void awaitWaitingFor(WorkerProcess worker, String service) throws InterruptedException {
        await(worker.log() + " waiting for " + service, Duration.ofMinutes(2), () -> {
            if (!worker.isAlive()) {
                throw new AssertionError("worker exited during start-up; log: " + worker.log());
            }
            return waitingLines(worker, service).size() >= 2;
        });
    }

    private static List<JsonNode> waitingLines(WorkerProcess worker, String service) {
        return worker.logLines().stream()
                .filter(l -> WAITING.equals(l.path("message").asText()))
                .filter(l -> service.equals(l.path("service").asText()))
                .toList();
    }

    /** The log line per attempt, /health/live OK, /health/ready not ready and naming the service, the attempts counted. */
    static void assertWaitingVisibly(WorkerProcess worker, int metricsPort, String service, String reason)
            throws Exception {
        JsonNode line = waitingLines(worker, service).get(0);
        assertEquals("WARN", line.path("level").asText(), line.toString());
        assertEquals(reason, line.path("reason").asText(), line.toString());
        assertTrue(line.path("endpoint").asText().startsWith("http://127.0.0.1:"), line.toString());
        assertTrue(line.path("next_attempt_in_ms").asLong() > 0, line.toString());
        assertTrue(line.has("next_attempt_at") && line.has("attempt") && line.has("detail"), line.toString());

        HttpResponse<String> live = get(metricsPort, "/health/live");
        assertEquals(200, live.statusCode());
        HttpResponse<String> ready = get(metricsPort, "/health/ready");
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().startsWith("not ready: waiting for " + service + " ("), ready.body());
        assertTrue(ready.body().contains(reason), ready.body());
        double attempts = Metrics.sum(Metrics.scrape(metricsPort), "cis_startup_attempts_total",
                "service=\"" + service + "\"");
        assertTrue(attempts >= 2, "attempts counted: " + attempts);
    }

    static void awaitReady(int metricsPort, Duration timeout) throws InterruptedException {
        await("/health/ready 200", timeout, () -> {
            try {
                return get(metricsPort, "/health/ready").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.Metrics;
import io.cis.worker.testing.WorkerProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Start-up refuses to run on a bad configuration, naming every problem at once and exiting with status 2, which
 * systemd does not restart; services that do not answer yet are waited for, and SIGTERM ends that wait promptly.
 */
class DaemonStartupIT {

    private static final String WAITING = "waiting for a service at start-up";

    @Test
    void invalidSettingsAreAllListedAndNothingStarts() throws Exception {
        try (WorkerProcess worker = WorkerProcess.start("startup-bad-settings", Map.of(
                "SQS_POLLERS", "zero", "VECTOR_DIMENSION", "-1", "OPENSEARCH_AUTH", "kerberos"))) {
            assertEquals(2, worker.awaitExit(Duration.ofSeconds(60)));
            String output = Files.readString(worker.log());
            assertTrue(output.contains("SQS_POLLERS=zero"), output);
            assertTrue(output.contains("VECTOR_DIMENSION=-1"), output);
            assertTrue(output.contains("OPENSEARCH_AUTH=kerberos"), output);
        }
    }

    /** A wrong model is permanent: no waiting for the unreachable services, but they are listed with it. */
    @Test
    void aWrongModelStopsAtOnceListingTheUnreachableServicesToo() throws Exception {
        int closedPort = Metrics.freePort();
        try (WorkerProcess worker = WorkerProcess.start("startup-unreachable", Map.of(
                "SQS_QUEUE_URL", "http://127.0.0.1:" + closedPort + "/000000000000/nowhere",
                "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:" + closedPort,
                "OPENSEARCH_ENDPOINT", "http://127.0.0.1:" + closedPort,
                "VECTOR_DIMENSION", "768"))) {
            assertEquals(2, worker.awaitExit(Duration.ofMinutes(2)));
            String output = Files.readString(worker.log());
            assertTrue(output.contains("model outputs 512-dimensional vectors but VECTOR_DIMENSION is 768"), output);
            assertTrue(output.contains("opensearch http://127.0.0.1:" + closedPort), output);
            assertTrue(output.contains("sqs http://127.0.0.1:" + closedPort), output);
            assertFalse(output.contains(WAITING), output);
        }
    }

    /** No retry creates the queue: exit at once with the configuration status, the reason named. */
    @Test
    void aQueueThatDoesNotExistStopsAtOnceWithTheConfigurationStatus() throws Exception {
        String sqs = LocalStack.require("AWS_ENDPOINT_URL_SQS");
        long started = System.nanoTime();
        try (WorkerProcess worker = WorkerProcess.start("startup-no-queue", Map.of(
                "SQS_QUEUE_URL", sqs + "/000000000000/no-such-queue-" + System.nanoTime()))) {
            assertEquals(2, worker.awaitExit(Duration.ofSeconds(90)));
            long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
            String output = Files.readString(worker.log());
            assertTrue(output.contains("no-such-queue-"), output);
            assertFalse(output.contains(WAITING), "no waiting for a queue that does not exist: " + output);
            JsonNode failed = worker.logLines().stream()
                    .filter(l -> "start-up failed".equals(l.path("message").asText())).findFirst().orElseThrow();
            assertEquals(2, failed.path("exit_status").asInt(), failed.toString());
            assertTrue(failed.path("problems").toString().contains("QueueDoesNotExist")
                    || failed.path("problems").toString().contains("NonExistentQueue"), failed.toString());
            assertTrue(seconds < 60, "exited after " + seconds + " s (model load included)");
        }
    }

    /**
     * Access denied (here every OpenSearch request answered 403, as Amazon OpenSearch answers a role its access policy
     * does not name yet) is retried for STARTUP_ACCESS_DENIED_WAIT_SECONDS, then start-up stops with the
     * configuration status, naming the permission.
     */
    @Test
    void accessDeniedIsRetriedForItsWindowThenStopsNamingThePermission() throws Exception {
        HttpServer forbidding = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        forbidding.createContext("/", exchange -> {
            byte[] body = ("{\"Message\":\"User: arn:aws:sts::123456789012:assumed-role/cis-worker/i-0abc is not authorized"
                    + " to perform: es:ESHttpHead\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(403, head ? -1 : body.length);
            if (!head) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        forbidding.start();
        long started = System.nanoTime();
        try (WorkerProcess worker = WorkerProcess.start("startup-access-denied", Map.of(
                "OPENSEARCH_ENDPOINT", "http://127.0.0.1:" + forbidding.getAddress().getPort(),
                "STARTUP_ACCESS_DENIED_WAIT_SECONDS", "8"))) {
            assertEquals(2, worker.awaitExit(Duration.ofSeconds(90)));
            long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
            long retries = worker.logLines().stream()
                    .filter(l -> "access denied at start-up, retrying while permissions propagate".equals(l.path("message").asText()))
                    .peek(l -> assertEquals("index_access_denied", l.path("reason").asText(), l.toString()))
                    .count();
            assertTrue(retries >= 3, retries + " retries; log " + worker.log());
            assertTrue(seconds >= 8, "gave up after " + seconds + " s, before the window closed");
            JsonNode failed = worker.logLines().stream()
                    .filter(l -> "start-up failed".equals(l.path("message").asText())).findFirst().orElseThrow();
            assertTrue(failed.path("problems").toString().contains("the worker needs es:ESHttpHead, es:ESHttpGet"),
                    failed.toString());
        } finally {
            forbidding.stop(0);
        }
    }

    /** While start-up waits: live, not ready (naming what it waits for); SIGTERM ends the wait within 2 s, status 0. */
    @Test
    void sigtermWhileWaitingForAServiceExitsPromptlyAndCleanly() throws Exception {
        int closedPort = Metrics.freePort();
        int metricsPort = Metrics.freePort();
        try (WorkerProcess worker = WorkerProcess.start("startup-sigterm-while-waiting", Map.of(
                "OPENSEARCH_ENDPOINT", "http://127.0.0.1:" + closedPort, "OPENSEARCH_INDEX", "cis-files",
                "METRICS_PORT", Integer.toString(metricsPort)))) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (worker.logLines().stream().filter(l -> WAITING.equals(l.path("message").asText())).count() < 2) {
                assertTrue(worker.isAlive(), "exited during start-up; log " + worker.log());
                assertTrue(System.nanoTime() < deadline, "never waited; log " + worker.log());
                Thread.sleep(200);
            }
            assertEquals(200, get(metricsPort, "/health/live").statusCode());
            HttpResponse<String> ready = get(metricsPort, "/health/ready");
            assertEquals(503, ready.statusCode());
            assertEquals("not ready: waiting for opensearch (http://127.0.0.1:" + closedPort
                    + " index cis-files, index_unreachable)\n", ready.body());

            long signalled = System.nanoTime();
            worker.sigterm();
            int exit = worker.awaitExit(Duration.ofSeconds(10));
            long exitMillis = (System.nanoTime() - signalled) / 1_000_000;
            assertEquals(0, exit, "log " + worker.log());
            assertTrue(exitMillis <= 2_000, "exited " + exitMillis + " ms after SIGTERM");
            String output = Files.readString(worker.log());
            assertTrue(output.contains("stopped during start-up"), output);
            assertFalse(output.contains("start-up failed"), output);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

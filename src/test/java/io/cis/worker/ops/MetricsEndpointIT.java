package io.cis.worker.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.io.IOException;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The worker as operators run it, watched the way they watch it: /health/ready while it runs, and /metrics counters
 * that match what happened to each object (and its outcome log lines, and the documents in OpenSearch), and the
 * same meters published to CloudWatch (a local stand-in) when CLOUDWATCH_ENABLED is on.
 */
class MetricsEndpointIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String SECRET = "never-log-" + UUID.randomUUID();

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String bucket = "cis-it-metrics-" + suffix;
    private final String index = "cis-it-metrics-" + suffix;
    private SqsClient sqs;
    private S3Client s3;
    private TestQueues queues;

    @BeforeEach
    void setUp() {
        sqs = LocalStack.sqs();
        s3 = LocalStack.s3();
        s3.createBucket(b -> b.bucket(bucket));
        queues = TestQueues.create(sqs, "cis-it-metrics", 5, 30);
    }

    @AfterEach
    void tearDown() throws Exception {
        queues.delete();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()
                .forEach(o -> s3.deleteObject(b -> b.bucket(bucket).key(o.key())));
        s3.deleteBucket(b -> b.bucket(bucket));
        HTTP.send(HttpRequest.newBuilder(LocalStack.openSearch().resolve("/" + index)).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        sqs.close();
        s3.close();
    }

    @Test
    void countersMatchWhatHappenedAndTheWorkerIsReadyWhileRunning() throws Exception {
        Map<String, Path> uploads = new LinkedHashMap<>();
        uploads.put("photos/2024/astronaut.png", ClipReference.SHARED_IMAGES.resolve("astronaut.png"));
        uploads.put("photos/2024/coffee mug.png", ClipReference.SHARED_IMAGES.resolve("coffee.png"));
        uploads.put("photos/rocket.jpg", ClipReference.SHARED_IMAGES.resolve("rocket.jpg"));
        uploads.put("photos/broken.png", ClipReference.SHARED_IMAGES.resolve("formats/random-bytes.png"));
        for (Map.Entry<String, Path> upload : uploads.entrySet()) {
            s3.putObject(b -> b.bucket(bucket).key(upload.getKey()), RequestBody.fromFile(upload.getValue()));
        }
        s3.putObject(b -> b.bucket(bucket).key("notes/readme.txt"), RequestBody.fromString("not an image"));
        for (String key : List.of("photos/2024/astronaut.png", "photos/2024/coffee mug.png", "photos/rocket.jpg",
                "photos/broken.png", "notes/readme.txt")) {
            long size = s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
            queues.send(S3NotificationPublisher.notification(new S3ObjectRef(bucket, key, null, size, null)));
        }

        int port = freePort();
        Map<String, String> settings = new HashMap<>();
        settings.put("SQS_QUEUE_URL", queues.queueUrl());
        settings.put("OPENSEARCH_INDEX", index);
        settings.put("S3_FORCE_PATH_STYLE", "true");
        settings.put("EMBEDDING_CACHE_ENABLED", "false");
        settings.put("METRICS_PORT", Integer.toString(port));
        settings.put("OPENSEARCH_PASSWORD", SECRET); // unused with OPENSEARCH_AUTH=none, but must never be logged
        // CloudWatch publishing, to a local stand-in: the registry's last publish happens at shutdown.
        List<String> putMetricData = new CopyOnWriteArrayList<>();
        HttpServer cloudWatch = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        cloudWatch.createContext("/", exchange -> {
            // The SDK gzips a PutMetricData body over 10 KB (request compression), as it is with every item counter.
            InputStream body = "gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody();
            putMetricData.add(new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        cloudWatch.start();
        settings.put("CLOUDWATCH_ENABLED", "true");
        settings.put("CLOUDWATCH_NAMESPACE", "cis-it-" + suffix);
        settings.put("AWS_ENDPOINT_URL_CLOUDWATCH", "http://127.0.0.1:" + cloudWatch.getAddress().getPort());
        try (WorkerProcess worker = WorkerProcess.start("metrics-endpoint", settings)) {
            URI base = URI.create("http://127.0.0.1:" + port);
            awaitStatus(base.resolve("/health/ready"), 200, Duration.ofSeconds(180), worker);
            assertEquals(200, get(base.resolve("/health/live")).statusCode());

            Map<String, Double> metrics = awaitItems(base, 5, Duration.ofSeconds(180), worker);
            assertEquals(3.0, sum(metrics, "cis_items_total", "outcome=\"indexed\""), metrics.toString());
            assertEquals(1.0, sum(metrics, "cis_items_total", "outcome=\"failed_permanent\""), metrics.toString());
            assertEquals(1.0, sum(metrics, "cis_items_total", "outcome=\"skipped\""), metrics.toString());
            assertEquals(0.0, sum(metrics, "cis_items_total", "outcome=\"failed_transient\""), metrics.toString());
            assertEquals(5.0, sum(metrics, "cis_messages_received_total", ""), metrics.toString());
            assertEquals(0.0, sum(metrics, "cis_messages_dlq_bound_total", ""), metrics.toString());
            assertTrue(metrics.containsKey("cis_queue_messages_visible"), "the backlog gauge is published");
            assertEquals(3.0, sum(metrics, "cis_latency_enqueue_to_indexed_seconds_count", ""), metrics.toString());
            assertEquals(200, get(base.resolve("/health/ready")).statusCode(), "still ready while running");

            // The same story in the outcome log lines and in OpenSearch.
            Map<String, JsonNode> outcomes = worker.outcomesByUrl();
            assertEquals("indexed", outcomes.get("s3://" + bucket + "/photos/2024/coffee mug.png").path("outcome").asText());
            assertEquals("failed_permanent", outcomes.get("s3://" + bucket + "/photos/broken.png").path("outcome").asText());
            assertEquals("skipped", outcomes.get("s3://" + bucket + "/notes/readme.txt").path("outcome").asText());
            assertEquals(3, embeddedDocuments());

            worker.sigterm();
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(60)));
            String log = Files.readString(worker.log());
            assertFalse(log.contains(SECRET), "a secret reached the log");
            JsonNode starting = worker.logLines().stream().filter(l -> "starting".equals(l.path("message").asText()))
                    .findFirst().orElseThrow();
            assertTrue(starting.path("config").asText().contains("password=****"), starting.toString());

            String published = String.join("\n", putMetricData);
            assertTrue(published.contains("cis-it-" + suffix) && published.contains("cis.items"),
                    "PutMetricData with the namespace and the item counter: " + putMetricData.size() + " requests");
        } finally {
            cloudWatch.stop(0);
        }
    }

    private int embeddedDocuments() throws Exception {
        URI os = LocalStack.openSearch();
        HTTP.send(HttpRequest.newBuilder(os.resolve("/" + index + "/_refresh")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> count = HTTP.send(HttpRequest.newBuilder(
                os.resolve("/" + index + "/_count?q=has_image_embedding:true")).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(count.body()).path("count").asInt();
    }

    private static Map<String, Double> awaitItems(URI base, int expected, Duration timeout, WorkerProcess worker)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Double> metrics = Map.of();
        while (System.nanoTime() < deadline) {
            assertTrue(worker.isAlive(), "worker exited; log: " + worker.log().toAbsolutePath());
            metrics = scrape(base);
            if (sum(metrics, "cis_items_total", "") >= expected) {
                return metrics;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("only " + sum(metrics, "cis_items_total", "") + " of " + expected
                + " item outcomes after " + timeout + "; log: " + worker.log().toAbsolutePath());
    }

    /** Prometheus text: "name{labels} value" per sample, keyed by name plus labels. */
    static Map<String, Double> scrape(URI base) throws IOException, InterruptedException {
        HttpResponse<String> response = get(base.resolve("/metrics"));
        assertEquals(200, response.statusCode());
        Map<String, Double> samples = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][\\w:]*)(\\{[^}]*\\})? (\\S+)$").matcher(response.body());
        while (m.find()) {
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    /** Sum of the samples of one metric whose labels contain the given text. */
    static double sum(Map<String, Double> samples, String name, String labelText) {
        return samples.entrySet().stream()
                .filter(e -> (e.getKey().equals(name) || e.getKey().startsWith(name + "{")) && e.getKey().contains(labelText))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private static void awaitStatus(URI uri, int status, Duration timeout, WorkerProcess worker) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(worker.isAlive(), "worker exited; log: " + worker.log().toAbsolutePath());
            try {
                if (get(uri).statusCode() == status) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // the metrics server starts after the model and the services are checked
            }
            Thread.sleep(250);
        }
        throw new AssertionError(uri + " never answered " + status + "; log: " + worker.log().toAbsolutePath());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

package io.cis.worker.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.cloudwatch2.CloudWatchMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/**
 * CLOUDWATCH_ENABLED's registry sends real PutMetricData requests through the SDK's CloudWatch client (pinned to a
 * different patch release than the rest of the SDK, see pom.xml): here to a local server that records them.
 */
class CloudWatchPublishingTest {

    @Test
    void closingTheRegistryPublishesTheCountersUnderTheNamespace() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", exchange -> {
            // CBOR or query-encoded depending on the protocol: the strings we look for are in it verbatim.
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.ISO_8859_1));
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try (CloudWatchAsyncClient client = CloudWatchAsyncClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
                .build()) {
            CloudWatchMeterRegistry registry = CloudWatchMetrics.registry("cis-worker-test", client, Duration.ofSeconds(1));
            registry.counter(MetricNames.ITEMS, MetricNames.TAG_OUTCOME, "indexed", MetricNames.TAG_REASON, "none").increment(3);
            registry.close();
        } finally {
            server.stop(0);
        }
        assertTrue(bodies.size() >= 1, "no PutMetricData request arrived");
        String all = String.join("\n", bodies);
        assertTrue(all.contains("cis-worker-test"), "namespace missing from " + all);
        assertTrue(all.contains("cis.items") && all.contains("indexed"), "metric or tag missing from " + all);
        assertEquals(bodies.size(), authorizations.stream().filter(a -> a != null && a.startsWith("AWS4-HMAC-SHA256")
                && a.contains("/eu-west-1/monitoring/aws4_request")).count(), "every request signed for CloudWatch");
    }
}

package io.cis.worker.fault;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/** Reads gauges from a worker's /metrics endpoint (Prometheus text), e.g. how many messages it holds in flight. */
final class WorkerMetrics {

    static final String IN_FLIGHT_MESSAGES = "cis_messages_in_flight";
    static final String ITEMS_INSIDE = "cis_pipeline_items_inside";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final int port;

    WorkerMetrics() {
        this.port = freePort();
    }

    /** The value of an untagged gauge, or empty while the endpoint is not up (start-up, shutdown). */
    OptionalDouble gauge(String name) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : response.body().split("\n")) {
                if (line.startsWith(name + " ")) {
                    return OptionalDouble.of(Double.parseDouble(line.substring(name.length() + 1).trim()));
                }
            }
            return OptionalDouble.empty();
        } catch (IOException e) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

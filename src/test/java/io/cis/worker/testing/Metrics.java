package io.cis.worker.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Scraping the worker's Prometheus endpoint in integration tests. */
public final class Metrics {

    private Metrics() {
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** The sum of every sample of a metric (all label sets), 0 if absent. */
    public static double sum(String scrape, String metric) {
        return sum(scrape, metric, "");
    }

    /** The sum of the samples of a metric whose labels contain the given text, e.g. {@code result="hit"}. */
    public static double sum(String scrape, String metric, String labelText) {
        double total = 0;
        for (String line : scrape.split("\n")) {
            if ((line.startsWith(metric + "{") || line.startsWith(metric + " ")) && line.contains(labelText)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}

package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.transport.aws.AwsSdk2Transport;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;

/**
 * SigV4 without AWS: the worker's OpenSearch client talks to a local HTTPS server (self-signed certificate) that
 * records what arrives. Each request must carry a SigV4 Authorization header for the configured service and region
 * whose signature matches the request as received (so nothing changes the request after signing).
 */
class OpenSearchSigV4Test {

    private static final String ACCESS_KEY = "AKIDEXAMPLE";
    private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));

    record Received(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
    }

    @TempDir
    static Path dir;
    private static HttpsServer server;
    private static final List<Received> received = new CopyOnWriteArrayList<>();

    /** One server for the class: generating its RSA key takes seconds. */
    @BeforeAll
    static void startServer() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0,
                () -> "keytool failed: " + output(keytool));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", OpenSearchSigV4Test::answer);
        server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    @BeforeEach
    void forgetRequests() {
        received.clear();
    }

    private static void answer(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        received.add(new Received(exchange.getRequestMethod(), query == null ? path : path + "?" + query, headers, body));

        String response;
        if (path.endsWith("/_bulk")) {
            response = "{\"took\":1,\"errors\":false,\"items\":[{\"update\":{\"_index\":\"cis-files\",\"_id\":\"a/b.jpg\","
                    + "\"status\":200,\"result\":\"updated\"}}]}";
        } else if (path.equals("/_search/point_in_time")) {
            response = "{\"pits\":[{\"pit_id\":\"pit-1\",\"successful\":true}]}";
        } else if (path.endsWith("/_search")) {
            response = "{\"took\":1,\"timed_out\":false,\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0},"
                    + "\"hits\":{\"total\":{\"value\":0,\"relation\":\"eq\"},\"max_score\":null,\"hits\":[]}}";
        } else {
            response = "{}";
        }
        byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
        } else {
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }

    private static URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    private OpenSearchClient client(String service, boolean verifyTls) {
        return new OpenSearchClientFactory(endpoint(), OpenSearchAuth.sigV4(service, Region.EU_WEST_1, CREDENTIALS),
                verifyTls, Duration.ofSeconds(5), Duration.ofSeconds(10)).create();
    }

    @Test
    void everyRequestTheWorkerMakesIsSignedForTheConfiguredServiceAndRegion() throws Exception {
        for (String service : List.of("es", "aoss")) {
            received.clear();
            OpenSearchClient client = client(service, false);
            try {
                assertInstanceOf(AwsSdk2Transport.class, client._transport());
                // The request shapes the worker sends: HEAD (index exists), POST _bulk, POST _search.
                assertTrue(client.indices().exists(e -> e.index("cis-files")).value());
                assertEquals(false, client.bulk(b -> b.index("cis-files").operations(o -> o.update(u -> u
                        .id("a/b.jpg").document(Map.of("has_image_embedding", true))))).errors());
                SearchResponse<Map> search = client.search(s -> s.index("cis-files").size(1)
                        .query(q -> q.term(t -> t.field("s3_key").value(v -> v.stringValue("a/b.jpg")))), Map.class);
                assertEquals(0, search.hits().hits().size());
                // A DELETE with a body (backfill's point-in-time cleanup): the transport must send it, signed.
                assertTrue(client.deletePit(d -> d.pitId(List.of("pit-1"))).pits().get(0).successful());
            } finally {
                client._transport().close();
            }

            assertEquals(List.of("HEAD", "POST", "POST", "DELETE"), received.stream().map(Received::method).toList());
            assertTrue(new String(received.get(3).body(), StandardCharsets.UTF_8).contains("pit-1"));
            String today = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(Instant.now());
            for (Received request : received) {
                String authorization = request.headers().get("Authorization");
                assertTrue(authorization != null && authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY
                        + "/" + today + "/eu-west-1/" + service + "/aws4_request, SignedHeaders="),
                        request.method() + " " + request.pathAndQuery() + ": " + authorization);
                assertFalse(authorization.contains(SECRET_KEY));
                assertEquals(authorization, resign(request, service),
                        "the signature must match the request as the server received it: " + request.pathAndQuery());
            }
        }
    }

    @Test
    void tlsVerificationIsOnUnlessTurnedOff() throws Exception {
        OpenSearchClient client = client("es", true);
        try {
            Exception e = assertThrows(Exception.class, () -> client.indices().exists(x -> x.index("cis-files")));
            assertTrue(causes(e).stream().anyMatch(SSLHandshakeException.class::isInstance),
                    "a self-signed certificate must be refused: " + e);
            assertTrue(received.isEmpty(), "no request may reach an unverified server");
        } finally {
            client._transport().close();
        }
    }

    @Test
    void sigV4NeedsAnHttpsEndpointWithoutAPath() {
        OpenSearchAuth auth = OpenSearchAuth.sigV4("es", Region.EU_WEST_1, CREDENTIALS);
        IllegalArgumentException http = assertThrows(IllegalArgumentException.class,
                () -> new OpenSearchClientFactory(URI.create("http://search.example.com"), auth));
        assertTrue(http.getMessage().contains("https://"), http.getMessage());
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> new OpenSearchClientFactory(URI.create("https://search.example.com/prefix"), auth));
        assertTrue(path.getMessage().contains("path"), path.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OpenSearchAuth.sigV4("s3", Region.EU_WEST_1, CREDENTIALS));
    }

    @Test
    void theSettingsSummaryNamesServiceAndRegionButNoKey() {
        OpenSearchAuth auth = OpenSearchAuth.sigV4("aoss", Region.US_EAST_1, CREDENTIALS);
        String text = new OpenSearchClientFactory(URI.create("https://abc.us-east-1.aoss.amazonaws.com"), auth).toString();
        assertTrue(text.contains("service=aoss") && text.contains("region=us-east-1"), text);
        assertFalse(text.contains(SECRET_KEY) || text.contains(ACCESS_KEY), text);
    }

    @Test
    void regionComesFromTheSdkDefaultChain() {
        String before = System.getProperty("aws.region");
        System.setProperty("aws.region", "ap-southeast-2");
        try {
            OpenSearchAuth.SigV4 auth = (OpenSearchAuth.SigV4) OpenSearchAuth.sigV4FromDefaultChains("es");
            assertEquals(Region.AP_SOUTHEAST_2, auth.region());
        } finally {
            if (before == null) {
                System.clearProperty("aws.region");
            } else {
                System.setProperty("aws.region", before);
            }
        }
    }

    /** Signs the received request again with the same key, time and signed headers: the SDK signer as the verifier. */
    private static String resign(Received request, String service) {
        String authorization = request.headers().get("Authorization");
        String signedHeaders = authorization.replaceFirst(".*SignedHeaders=([^,]+),.*", "$1");
        SdkHttpFullRequest.Builder unsigned = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.fromValue(request.method()))
                .uri(URI.create(endpoint() + request.pathAndQuery()));
        for (String name : signedHeaders.split(";")) {
            if (!name.equals("host")) {
                unsigned.putHeader(name, request.headers().get(name));
            }
        }
        Instant signedAt = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .parse(request.headers().get("X-Amz-Date"), Instant::from);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(CREDENTIALS.resolveCredentials())
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArray(request.body()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElse("");
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static String output(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT)
                    + Arrays.toString(new int[]{p.exitValue()});
        } catch (IOException e) {
            return e.toString();
        }
    }
}

package io.cis.worker.index;

import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.ssl.SSLContextBuilder;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.aws.AwsSdk2Transport;
import org.opensearch.client.transport.aws.AwsSdk2TransportOptions;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * Builds the {@link OpenSearchClient} the worker uses: over Apache HttpClient 5 for no auth and basic auth, over
 * the AWS SDK's Netty client with every request signed ({@link AwsSdk2Transport}) for SigV4.
 *
 * <p>Close a client made here with {@code client._transport().close()}: it owns a connection pool and I/O threads.
 */
public final class OpenSearchClientFactory {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Long enough for a bulk of a few hundred 512-float vectors on a busy domain. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_CONNECTIONS = 32;

    private final HttpHost host;
    private final String pathPrefix;
    private final OpenSearchAuth auth;
    private final boolean verifyTls;
    private final Duration connectTimeout;
    private final Duration responseTimeout;

    /**
     * @param endpoint        {@code http://host:port} or {@code https://host[:port][/prefix]}; no credentials in it
     * @param auth            {@link OpenSearchAuth#none()}, {@link OpenSearchAuth#basic} or {@link OpenSearchAuth#sigV4}
                                (which needs an https endpoint without a path)
     * @param verifyTls       check the server certificate and host name; turn off only for a dev cluster with a
     *                        self-signed certificate
     * @param connectTimeout  TCP connect (and TLS handshake) limit
     * @param responseTimeout limit on waiting for response data (socket inactivity)
     */
    public OpenSearchClientFactory(URI endpoint, OpenSearchAuth auth, boolean verifyTls,
                                   Duration connectTimeout, Duration responseTimeout) {
        this.host = hostOf(endpoint);
        this.pathPrefix = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        this.auth = Objects.requireNonNull(auth, "auth");
        this.verifyTls = verifyTls;
        this.connectTimeout = positive(connectTimeout, "connectTimeout");
        this.responseTimeout = positive(responseTimeout, "responseTimeout");
        if (auth instanceof OpenSearchAuth.SigV4) {
            // The AWS SDK transport always speaks https to the bare host; AWS endpoints never have a path.
            if (!host.getSchemeName().equals("https")) {
                throw new IllegalArgumentException("OPENSEARCH_AUTH=sigv4 needs an https:// endpoint, got: " + endpoint);
            }
            if (!pathPrefix.isEmpty() && !pathPrefix.equals("/")) {
                throw new IllegalArgumentException("OPENSEARCH_AUTH=sigv4 does not support a path in the endpoint: " + endpoint);
            }
        }
    }

    /** Default timeouts, TLS verification on. */
    public OpenSearchClientFactory(URI endpoint, OpenSearchAuth auth) {
        this(endpoint, auth, true, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT);
    }

    public OpenSearchClient create() {
        if (auth instanceof OpenSearchAuth.SigV4 sigV4) {
            return new OpenSearchClient(signingTransport(sigV4));
        }
        ApacheHttpClient5TransportBuilder builder = ApacheHttpClient5TransportBuilder.builder(host)
                .setMapper(new JacksonJsonpMapper())
                .setRequestConfigCallback(request -> request
                        .setResponseTimeout(timeout(responseTimeout))
                        .setConnectionRequestTimeout(timeout(connectTimeout)))
                .setHttpClientConfigCallback(client -> {
                    if (auth instanceof OpenSearchAuth.Basic basic) {
                        BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                        credentials.setCredentials(new AuthScope(host),
                                new UsernamePasswordCredentials(basic.username(), basic.password().toCharArray()));
                        client.setDefaultCredentialsProvider(credentials);
                    }
                    return client.setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                            .setTlsStrategy(tlsStrategy())
                            .setDefaultConnectionConfig(ConnectionConfig.custom()
                                    .setConnectTimeout(timeout(connectTimeout))
                                    .setSocketTimeout(timeout(responseTimeout))
                                    .build())
                            .setMaxConnTotal(MAX_CONNECTIONS)
                            .setMaxConnPerRoute(MAX_CONNECTIONS)
                            .build());
                });
        if (!pathPrefix.isEmpty() && !pathPrefix.equals("/")) {
            builder.setPathPrefix(pathPrefix);
        }
        return new OpenSearchClient(builder.build());
    }

    /**
     * The AWS SDK transport: signs each request with the credentials provider's current credentials (so rotated
     * instance-role credentials are picked up), with our timeouts and TLS policy. Over the SDK's Netty client: the
     * transport refuses request bodies on DELETE and GET with the SDK's Apache clients (a point-in-time delete has one).
     */
    OpenSearchTransport signingTransport(OpenSearchAuth.SigV4 sigV4) {
        SdkAsyncHttpClient http = NettyNioAsyncHttpClient.builder()
                .connectionTimeout(connectTimeout)
                .readTimeout(responseTimeout)
                .writeTimeout(responseTimeout)
                .maxConcurrency(MAX_CONNECTIONS)
                .buildWithDefaults(AttributeMap.builder()
                        .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, !verifyTls)
                        .build());
        AwsSdk2TransportOptions options = AwsSdk2TransportOptions.builder()
                .setCredentials(sigV4.credentials())
                .setMapper(new JacksonJsonpMapper())
                .build();
        String hostAndPort = host.getPort() == 443 ? host.getHostName() : host.getHostName() + ":" + host.getPort();
        return new ClosingAwsSdk2Transport(http, hostAndPort, sigV4.service(), sigV4.region(), options);
    }

    /** {@link AwsSdk2Transport#close()} leaves the HTTP client it was given open; this one closes it. */
    static final class ClosingAwsSdk2Transport extends AwsSdk2Transport {
        private final SdkAsyncHttpClient http;

        ClosingAwsSdk2Transport(SdkAsyncHttpClient http, String host, String service, Region region,
                                AwsSdk2TransportOptions options) {
            super(http, host, service, region, options);
            this.http = http;
        }

        @Override
        public void close() {
            http.close();
        }
    }

    @Override
    public String toString() {
        return "OpenSearchClientFactory[" + host.toURI() + pathPrefix + ", auth=" + auth + ", verifyTls=" + verifyTls
                + ", connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout + "]";
    }

    private TlsStrategy tlsStrategy() {
        if (verifyTls) {
            // The JVM's trust store (and javax.net.ssl.* system properties), with host name verification.
            return ClientTlsStrategyBuilder.create().useSystemProperties().buildAsync();
        }
        try {
            SSLContext trustAll = SSLContextBuilder.create().loadTrustMaterial(null, (chain, authType) -> true).build();
            return ClientTlsStrategyBuilder.create()
                    .setSslContext(trustAll)
                    .setHostnameVerifier(NoopHostnameVerifier.INSTANCE)
                    .buildAsync();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context without certificate verification", e);
        }
    }

    static HttpHost hostOf(URI endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("OpenSearch endpoint must start with http:// or https://, got: " + endpoint);
        }
        if (endpoint.getHost() == null || endpoint.getHost().isEmpty()) {
            throw new IllegalArgumentException("OpenSearch endpoint has no host: " + endpoint);
        }
        if (endpoint.getUserInfo() != null) {
            // Credentials in the URL would be printed wherever the endpoint is logged.
            throw new IllegalArgumentException(
                    "OpenSearch endpoint must not contain credentials; use basic auth settings instead");
        }
        if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException("OpenSearch endpoint must not have a query or fragment: " + endpoint);
        }
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : scheme.equals("https") ? 443 : 80;
        return new HttpHost(scheme, endpoint.getHost(), port);
    }

    private static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    private static Timeout timeout(Duration duration) {
        return Timeout.of(duration.toMillis(), TimeUnit.MILLISECONDS);
    }
}

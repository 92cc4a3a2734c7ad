package io.cis.worker.cache;

import static io.cis.worker.cache.TestEmbeddings.embeddings;
import static io.cis.worker.cache.TestEmbeddings.hashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** DynamoDB is down: the real SDK, pointed at a port nobody listens on, behind the error-suppressing decorator. */
class ResilientEmbeddingCacheIT {

    @Test
    void withDynamoDbUnreachableLookupsMissAndStoresAreDroppedWithoutThrowing() throws IOException {
        URI closedPort = URI.create("http://127.0.0.1:" + portNobodyListensOn());
        List<String> warnings = new ArrayList<>();
        try (DynamoDbClient client = DynamoDbClient.builder()
                .endpointOverride(closedPort)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofMillis(500)))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofSeconds(2)))
                .build()) {
            ResilientEmbeddingCache cache = new ResilientEmbeddingCache(
                    new DynamoDbEmbeddingCache(client, "cis-image-embedding-cache", "openai/clip-vit-base-patch32",
                            512, 30, false),
                    Clock.systemUTC(), Duration.ofSeconds(60), (message, error) -> warnings.add(message));

            Map<String, CachedEmbedding> hits = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
                Map<String, CachedEmbedding> found = cache.lookup(hashes(0, 150));
                cache.store(embeddings(0, 30, 512));
                return found;
            });

            assertTrue(hits.isEmpty());
            assertEquals(new CacheStats(150, 0, 150, 2), cache.stats());
            assertEquals(1, warnings.size(), warnings::toString);
            assertTrue(warnings.get(0).contains("during lookup"), warnings.get(0));
        }
    }

    /** A port that was free a moment ago; nothing in this test listens on it. */
    private static int portNobodyListensOn() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}

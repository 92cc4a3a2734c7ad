package io.cis.worker.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.MutableClock;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

class PausingEmbeddingCacheTest {

    private static final String HASH = "0123456789abcdef0123456789abcdef";

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));

    /** Fails with the given exception while it is set; counts the calls that reached it. */
    private static final class FlakyCache implements EmbeddingCache {
        RuntimeException failure;
        int calls;

        @Override
        public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
            calls++;
            if (failure != null) {
                throw failure;
            }
            return Map.of();
        }

        @Override
        public void store(Map<String, CachedEmbedding> embeddings) {
            calls++;
            if (failure != null) {
                throw failure;
            }
        }
    }

    @Test
    void anUnreachableDynamoDbIsLeftAloneForThePause() {
        FlakyCache dynamoDb = new FlakyCache();
        PausingEmbeddingCache cache = new PausingEmbeddingCache(dynamoDb, clock, Duration.ofSeconds(30));
        dynamoDb.failure = new EmbeddingCacheException("BatchGetItem failed",
                SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused")));

        assertThrows(EmbeddingCacheException.class, () -> cache.lookup(List.of(HASH)));
        assertTrue(cache.isPaused());
        for (int i = 0; i < 100; i++) {
            EmbeddingCacheException skipped = assertThrows(EmbeddingCacheException.class, () -> cache.lookup(List.of(HASH)));
            assertTrue(skipped.getMessage().contains("paused"), skipped.getMessage());
            assertThrows(EmbeddingCacheException.class, () -> cache.store(Map.of(HASH, new CachedEmbedding(new float[] {1f}, Instant.EPOCH))));
        }
        assertEquals(1, dynamoDb.calls, "no call reaches DynamoDB while paused");

        clock.advance(Duration.ofSeconds(30));
        dynamoDb.failure = null;
        assertEquals(Map.of(), cache.lookup(List.of(HASH)));
        assertEquals(2, dynamoDb.calls);
        assertFalse(cache.isPaused());
    }

    @Test
    void serverErrorsPauseButAnsweredErrorsDoNot() {
        assertTrue(PausingEmbeddingCache.isUnreachable(new EmbeddingCacheException("x",
                DynamoDbException.builder().statusCode(500).message("internal").build())));
        assertFalse(PausingEmbeddingCache.isUnreachable(new EmbeddingCacheException("x",
                DynamoDbException.builder().statusCode(400).message("ProvisionedThroughputExceededException").build())));
        assertFalse(PausingEmbeddingCache.isUnreachable(new EmbeddingCacheException("3 keys still unprocessed", null)));
        assertFalse(PausingEmbeddingCache.isUnreachable(new IllegalArgumentException("not an MD5 hex")));
    }

    @Test
    void aFailureThatIsNotAnOutageDoesNotPause() {
        FlakyCache dynamoDb = new FlakyCache();
        PausingEmbeddingCache cache = new PausingEmbeddingCache(dynamoDb, clock, Duration.ofSeconds(30));
        dynamoDb.failure = new EmbeddingCacheException("2 items still unprocessed by BatchWriteItem", null);

        assertThrows(EmbeddingCacheException.class, () -> cache.store(Map.of(HASH, new CachedEmbedding(new float[] {1f}, Instant.EPOCH))));
        dynamoDb.failure = null;
        cache.store(Map.of(HASH, new CachedEmbedding(new float[] {1f}, Instant.EPOCH)));
        assertEquals(2, dynamoDb.calls);
    }
}

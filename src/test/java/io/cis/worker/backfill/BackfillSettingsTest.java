package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.config.ConfigException;
import io.cis.worker.config.RawSettings;
import io.cis.worker.config.WorkerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackfillSettingsTest {

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9200");
        return env;
    }

    @Test
    void defaultsNeedNoQueueAndLimitNothing() {
        WorkerConfig.BackfillConfig b = WorkerConfig.from(new RawSettings(Map.of(), env()), WorkerConfig.Scope.BACKFILL).backfill();
        assertEquals(0.0, b.rateLimit());
        assertEquals(Duration.ofSeconds(10), b.progressInterval());
        assertEquals("s3_key", b.keyField());
        assertEquals("s3_bucket", b.bucketField());
        assertEquals(Optional.empty(), b.imageQuery());
        assertEquals("_id", b.sortField());
        assertEquals(500, b.pageSize());
        assertEquals(0, b.metricsPort());
    }

    @Test
    void badValuesAreAllListed() {
        Map<String, String> env = env();
        env.put("BACKFILL_RATE_LIMIT", "-1");
        env.put("BACKFILL_PROGRESS_SECONDS", "0");
        env.put("BACKFILL_IMAGE_QUERY", "[\"not an object\"]");
        ConfigException e = assertThrows(ConfigException.class,
                () -> WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.BACKFILL));
        assertTrue(e.getMessage().contains("BACKFILL_RATE_LIMIT=-1"), e.getMessage());
        assertTrue(e.getMessage().contains("BACKFILL_PROGRESS_SECONDS=0"), e.getMessage());
        assertTrue(e.getMessage().contains("BACKFILL_IMAGE_QUERY must be a JSON object"), e.getMessage());
    }

    @Test
    void aFileTypeQueryAndARateAreRead() {
        Map<String, String> env = env();
        env.put("BACKFILL_RATE_LIMIT", "2.5");
        env.put("BACKFILL_IMAGE_QUERY", "{\"term\":{\"kind\":\"image\"}}");
        WorkerConfig.BackfillConfig b = WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.BACKFILL).backfill();
        assertEquals(2.5, b.rateLimit());
        assertEquals(Optional.of("{\"term\":{\"kind\":\"image\"}}"), b.imageQuery());
    }
}

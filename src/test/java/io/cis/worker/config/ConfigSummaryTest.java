package io.cis.worker.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The daemon logs WorkerConfig.toString() at start-up: it must show the settings but never a secret's value. */
class ConfigSummaryTest {

    @Test
    void noSecretSettingReachesTheStartupSummary() {
        Map<String, String> env = new HashMap<>();
        env.put("SQS_QUEUE_URL", "http://127.0.0.1:9324/000000000000/q");
        env.put("OPENSEARCH_ENDPOINT", "https://search.example.com");
        env.put("OPENSEARCH_AUTH", "basic");
        env.put("OPENSEARCH_USERNAME", "worker");
        Map<String, String> secrets = new HashMap<>();
        for (SettingSpec<?> spec : Settings.ALL) {
            if (spec.secret()) {
                secrets.put(spec.name(), "s3cr3t-" + spec.name().toLowerCase());
            }
        }
        assertFalse(secrets.isEmpty(), "OPENSEARCH_PASSWORD is a secret setting");
        env.putAll(secrets);

        String summary = WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.DAEMON).toString();

        for (String value : secrets.values()) {
            assertFalse(summary.contains(value), "secret value in the summary: " + summary);
        }
        assertTrue(summary.contains("password=****"), summary);
        assertTrue(summary.contains("username=worker") && summary.contains("https://search.example.com"), summary);
    }
}

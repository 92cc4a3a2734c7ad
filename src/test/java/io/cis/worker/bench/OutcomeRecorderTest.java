package io.cis.worker.bench;

import static net.logstash.logback.argument.StructuredArguments.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class OutcomeRecorderTest {

    private static final Logger OUTCOMES = LoggerFactory.getLogger(OutcomeRecorder.OUTCOME_LOGGER);

    @Test
    void outcomesAreReadFromTheWorkersOwnLogEvents() throws InterruptedException {
        OutcomeRecorder recorder = OutcomeRecorder.attach();
        try {
            // The same structured arguments OutcomeLog writes.
            OUTCOMES.info("item {}", "indexed", kv("s3_url", "s3://b/a.jpg"), kv("document_id", "a.jpg"),
                    kv("outcome", "indexed"), kv("reason", null), kv("cache_hit", true), kv("image_hash", "h"),
                    kv("latency_ms", 1234L));
            OUTCOMES.warn("item {}", "failed_transient", kv("s3_url", "s3://b/b.jpg"), kv("outcome", "failed_transient"),
                    kv("reason", "index_error: x"), kv("cache_hit", false), kv("latency_ms", 5L));
            List<OutcomeRecorder.Outcome> seen = recorder.await(List.of("s3://b/a.jpg", "s3://b/b.jpg"), Duration.ofMillis(300));
            assertEquals(2, seen.size());
            OutcomeRecorder.Outcome a = seen.get(0);
            assertTrue(a.indexed() && a.cacheHit() && a.isFinal());
            assertEquals(1234L, a.latencyMillis());
            assertTrue(!seen.get(1).isFinal(), "a transient failure is retried, so it is not final");
        } finally {
            recorder.detach();
        }
    }

    @Test
    void waitingEndsOnceEveryItemHasAFinalOutcome() throws InterruptedException {
        OutcomeRecorder recorder = OutcomeRecorder.attach();
        try {
            OUTCOMES.info("item {}", "indexed", kv("s3_url", "s3://b/c.jpg"), kv("outcome", "indexed"), kv("latency_ms", 1L));
            long start = System.nanoTime();
            recorder.await(List.of("s3://b/c.jpg"), Duration.ofSeconds(30));
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        } finally {
            recorder.detach();
        }
    }
}

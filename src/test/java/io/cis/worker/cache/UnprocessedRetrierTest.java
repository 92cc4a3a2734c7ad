package io.cis.worker.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UnprocessedRetrierTest {

    private final List<Duration> waits = new ArrayList<>();
    private final UnprocessedRetrier retrier = new UnprocessedRetrier(
            new io.cis.worker.retry.RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(1)), () -> 0.0, waits::add);

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void everythingProcessedAtOnceMeansOneCallAndNoWait() {
        List<Map<String, List<String>>> calls = new ArrayList<>();
        Map<String, List<String>> left = retrier.retryWhileUnprocessed(Map.of("t", List.of("a", "b")), request -> {
            calls.add(request);
            return Map.of();
        });
        assertTrue(left.isEmpty());
        assertEquals(1, calls.size());
        assertTrue(waits.isEmpty());
    }

    @Test
    void resendsOnlyWhatWasLeftUnprocessedWithGrowingWaits() {
        List<Map<String, List<String>>> calls = new ArrayList<>();
        Map<String, List<String>> left = retrier.retryWhileUnprocessed(Map.of("t", List.of("a", "b", "c")),
                request -> {
                    calls.add(request);
                    List<String> keys = request.get("t");
                    // Each call processes only the first key it is given.
                    return keys.size() == 1 ? Map.of() : Map.of("t", keys.subList(1, keys.size()));
                });
        assertTrue(left.isEmpty());
        assertEquals(List.of(List.of("a", "b", "c"), List.of("b", "c"), List.of("c")),
                calls.stream().map(call -> call.get("t")).toList());
        assertEquals(List.of(Duration.ofMillis(50), Duration.ofMillis(100)), waits);
    }

    @Test
    void givesUpAfterMaxAttemptsAndReturnsTheRest() {
        int[] calls = {0};
        Map<String, List<String>> stuck = Map.of("t", List.of("x"));
        Map<String, List<String>> left = retrier.retryWhileUnprocessed(stuck, request -> {
            calls[0]++;
            return request;
        });
        assertEquals(stuck, left);
        assertEquals(4, calls[0]);
        assertEquals(3, waits.size());
    }

    @Test
    void interruptionStopsRetryingAndKeepsTheFlag() {
        UnprocessedRetrier interrupted = new UnprocessedRetrier(UnprocessedRetrier.DEFAULT_POLICY, () -> 0.0, wait -> {
            throw new InterruptedException();
        });
        assertThrows(EmbeddingCacheException.class,
                () -> interrupted.retryWhileUnprocessed(Map.of("t", 1), request -> request));
        assertTrue(Thread.currentThread().isInterrupted());
    }
}

package io.cis.worker.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchCollectorTest {

    @Test
    void fullBatchLeavesAtOnceAndTheRestFollows() throws Exception {
        LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>(List.of(1, 2, 3, 4, 5));
        BatchCollector<Integer> batches = new BatchCollector<>(queue, 3, Duration.ofSeconds(10));
        long start = System.nanoTime();
        assertEquals(List.of(1, 2, 3), batches.next(1, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "a full batch must not wait");
    }

    @Test
    void partialBatchWaitsAtMostMaxWait() throws Exception {
        LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>(List.of(7));
        BatchCollector<Integer> batches = new BatchCollector<>(queue, 8, Duration.ofMillis(50));
        assertEquals(List.of(7), batches.next(1, TimeUnit.SECONDS));
    }

    @Test
    void nothingArrivingGivesAnEmptyBatch() throws Exception {
        BatchCollector<Integer> batches = new BatchCollector<>(new LinkedBlockingQueue<>(), 8, Duration.ofMillis(50));
        assertEquals(List.of(), batches.next(10, TimeUnit.MILLISECONDS));
    }

    @Test
    void lateArrivalsWithinTheWaitJoinTheBatch() throws Exception {
        LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>(List.of(1));
        BatchCollector<Integer> batches = new BatchCollector<>(queue, 4, Duration.ofSeconds(2));
        Thread producer = new Thread(() -> {
            try {
                Thread.sleep(50);
                queue.put(2);
                queue.put(3);
                queue.put(4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        assertEquals(List.of(1, 2, 3, 4), batches.next(1, TimeUnit.SECONDS));
        producer.join();
    }
}

package io.cis.worker.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic batching: wait for a first element, then keep collecting until the batch is full or the wait since
 * that first element has passed. Full batches go at once; a lone item waits at most maxWait.
 */
public final class BatchCollector<T> {

    private final BlockingQueue<T> queue;
    private final int maxBatchSize;
    private final long maxWaitNanos;

    public BatchCollector(BlockingQueue<T> queue, int maxBatchSize, java.time.Duration maxWait) {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be positive");
        }
        this.queue = queue;
        this.maxBatchSize = maxBatchSize;
        this.maxWaitNanos = maxWait.toNanos();
    }

    /** The next batch, or an empty list if nothing arrived within pollTimeout (so callers can check for shutdown). */
    public List<T> next(long pollTimeout, TimeUnit unit) throws InterruptedException {
        T first = queue.poll(pollTimeout, unit);
        if (first == null) {
            return List.of();
        }
        List<T> batch = new ArrayList<>(maxBatchSize);
        batch.add(first);
        queue.drainTo(batch, maxBatchSize - 1);
        long deadline = System.nanoTime() + maxWaitNanos;
        while (batch.size() < maxBatchSize) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            T next = queue.poll(remaining, TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            batch.add(next);
            queue.drainTo(batch, maxBatchSize - batch.size());
        }
        return batch;
    }
}

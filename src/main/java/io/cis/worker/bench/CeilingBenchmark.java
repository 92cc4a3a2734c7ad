package io.cis.worker.bench;

import io.cis.worker.embed.BatchEmbedder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The model-only ceiling: images per second through the predictor alone, on tensors already preprocessed, with
 * the worker's own batch size and as many concurrent predictors as the worker has inference threads. Nothing else
 * runs, so this is the most the pipeline could ever deliver with these settings.
 */
final class CeilingBenchmark {

    /** Images per second over the measured window, and the mean time per batch. */
    record Result(double imagesPerSecond, double millisPerBatch, long images, double seconds, int batchSize, int threads) {
    }

    private CeilingBenchmark() {
    }

    /**
     * @param atStart runs once every thread has warmed up, just before the measured window (e.g. a CPU snapshot)
     * @param atEnd   runs after the window while the benchmark's threads (and the native helper threads they
     *                started) still exist, so their CPU time can still be read
     */
    static Result run(Supplier<BatchEmbedder> embedders, List<float[]> tensors, int batchSize, int threads,
                      int warmupBatches, Duration window, Runnable atStart, Runnable atEnd) throws InterruptedException {
        long[] startNanos = new long[1];
        // The clock starts when the last thread has warmed up; the barrier publishes it to every thread.
        CyclicBarrier start = new CyclicBarrier(threads + 1, () -> {
            atStart.run();
            startNanos[0] = System.nanoTime();
        });
        CountDownLatch measured = new CountDownLatch(threads);
        CountDownLatch exit = new CountDownLatch(1);
        AtomicLong images = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        long[] endNanos = new long[threads];
        RuntimeException[] failure = new RuntimeException[1];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread worker = new Thread(() -> {
                try (BatchEmbedder embedder = embedders.get()) {
                    List<float[]> batch = new ArrayList<>(batchSize);
                    for (int i = 0; i < batchSize; i++) {
                        batch.add(tensors.get((index * batchSize + i) % tensors.size()));
                    }
                    for (int i = 0; i < warmupBatches; i++) {
                        embedder.embed(batch);
                    }
                    start.await();
                    long deadline = startNanos[0] + window.toNanos();
                    do {
                        embedder.embed(batch);
                        images.addAndGet(batch.size());
                        batches.incrementAndGet();
                    } while (System.nanoTime() < deadline);
                    endNanos[index] = System.nanoTime();
                    measured.countDown();
                    exit.await();
                } catch (Exception e) {
                    failure[0] = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                    start.reset(); // releases the others (and the caller) with BrokenBarrierException
                    measured.countDown();
                }
            }, "ceiling-" + t);
            workers.add(worker);
            worker.start();
        }
        try {
            start.await();
        } catch (java.util.concurrent.BrokenBarrierException e) {
            // a worker failed during warm-up: its failure is reported below
        }
        measured.await();
        if (failure[0] == null) {
            atEnd.run();
        }
        exit.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        long end = 0;
        for (long e : endNanos) {
            end = Math.max(end, e);
        }
        double seconds = (end - startNanos[0]) / 1e9;
        return new Result(images.get() / seconds, seconds * 1000 * threads / batches.get(), images.get(), seconds,
                batchSize, threads);
    }
}

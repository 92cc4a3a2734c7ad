package io.cis.worker.bench;

import java.util.List;
import java.util.Map;

/**
 * What one pass of images through the running worker measured.
 *
 * @param name            cold, warm or paced
 * @param offered         images sent
 * @param indexed         images that ended indexed
 * @param failed          images with another final outcome (or none before the timeout)
 * @param cacheHits       indexed images whose vector came from the cache
 * @param hitsWithoutDownload of those, the ones found by their ETag, never downloaded
 * @param seconds         from the first send to the last outcome
 * @param offeredRate     images/s the sender aimed at (0 = all at once)
 * @param latencyMillis   enqueue-to-indexed latency (SentTimestamp to outcome) of every indexed image, sorted
 * @param metricP50Millis the worker's own cis.latency.enqueue.to.indexed p50 (Micrometer's decaying window)
 * @param metricP95Millis the same metric's p95
 * @param stageCpuSeconds CPU seconds per stage (kernel per-thread accounting, native helper threads included)
 * @param stageWallSeconds summed wall time per stage from the cis.stage.time timers
 * @param machineBusySeconds busy CPU seconds of the whole machine (local services included)
 * @param batchSizes      inference batches per batch-size bucket (cis.inference.batch.size), bucket label -> count
 * @param meanBatchSize   mean images per inference batch
 */
record PhaseResult(String name, int offered, int indexed, int failed, int cacheHits, int hitsWithoutDownload, double seconds, double offeredRate,
                   List<Long> latencyMillis, double metricP50Millis, double metricP95Millis,
                   Map<String, Double> stageCpuSeconds, Map<String, Double> stageWallSeconds,
                   double machineBusySeconds, Map<String, Long> batchSizes, double meanBatchSize,
                   List<String> failureExamples) {

    double imagesPerSecond() {
        return seconds > 0 ? indexed / seconds : 0;
    }

    long latencyPercentile(double p) {
        if (latencyMillis.isEmpty()) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * latencyMillis.size());
        return latencyMillis.get(Math.max(0, Math.min(latencyMillis.size() - 1, rank - 1)));
    }

    double totalStageCpuSeconds() {
        return stageCpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}

package io.cis.worker.backfill;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.pipeline.Settlement;
import io.cis.worker.pipeline.WorkItem;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The backfill's counters. As the {@link Settlement} of every item it hands to the pipeline, it learns each
 * outcome exactly once; the enqueue and dry-run modes count through the other methods. Thread-safe.
 */
public final class BackfillTally implements Settlement {

    private final AtomicLong selected = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong indexed = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong enqueued = new AtomicLong();
    private final Map<String, LongAdder> skipped = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failedPermanently = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failedTransiently = new ConcurrentHashMap<>();

    /** A candidate was taken from the source (and will be settled, enqueued or counted). */
    public void selected() {
        selected.incrementAndGet();
    }

    @Override
    public void settle(WorkItem item, Outcome outcome) {
        switch (outcome.kind()) {
            case INDEXED -> {
                indexed.incrementAndGet();
                if (item.cacheHit()) {
                    cacheHits.incrementAndGet();
                }
            }
            case SKIPPED -> add(skipped, outcome.reason());
            case FAILED_PERMANENT -> add(failedPermanently, outcome.reason());
            case FAILED_TRANSIENT -> add(failedTransiently, outcome.reason());
        }
        done.incrementAndGet();
    }

    public void enqueued() {
        enqueued.incrementAndGet();
        done.incrementAndGet();
    }

    public void skipped(Reason reason) {
        add(skipped, reason);
        done.incrementAndGet();
    }

    /** A failure that may succeed on a later run (e.g. SQS refused the message). */
    public void failedTransiently(Reason reason) {
        add(failedTransiently, reason);
        done.incrementAndGet();
    }

    /** Dry run: selected and nothing else to do. */
    public void counted() {
        done.incrementAndGet();
    }

    /**
     * A candidate the source read but that is no usable image (no S3 location, a non-image key, outside
     * KEY_PREFIXES): skipped without being selected, so it counts against neither --limit nor the rate limit.
     */
    public void passedOver(Reason reason) {
        add(skipped, reason);
    }

    public long selectedCount() {
        return selected.get();
    }

    public long unsettled() {
        return selected.get() - done.get();
    }

    public Snapshot snapshot() {
        return new Snapshot(selected.get(), done.get(), indexed.get(), cacheHits.get(), enqueued.get(),
                copy(skipped), copy(failedPermanently), copy(failedTransiently));
    }

    private static void add(Map<String, LongAdder> counts, Reason reason) {
        counts.computeIfAbsent(reason.code(), r -> new LongAdder()).increment();
    }

    private static Map<String, Long> copy(Map<String, LongAdder> counts) {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((reason, count) -> copy.put(reason, count.sum()));
        return copy;
    }

    /** The counters at one moment; reason maps are sorted by reason. */
    public record Snapshot(long selected, long done, long indexed, long cacheHits, long enqueued,
                           Map<String, Long> skippedByReason, Map<String, Long> failedPermanentlyByReason,
                           Map<String, Long> failedTransientlyByReason) {

        public Snapshot {
            skippedByReason = sorted(skippedByReason);
            failedPermanentlyByReason = sorted(failedPermanentlyByReason);
            failedTransientlyByReason = sorted(failedTransientlyByReason);
        }

        public long skipped() {
            return sum(skippedByReason);
        }

        public long failedPermanently() {
            return sum(failedPermanentlyByReason);
        }

        public long failedTransiently() {
            return sum(failedTransientlyByReason);
        }

        public long failed() {
            return failedPermanently() + failedTransiently();
        }

        private static Map<String, Long> sorted(Map<String, Long> counts) {
            return Collections.unmodifiableMap(new TreeMap<>(counts));
        }

        private static long sum(Map<String, Long> counts) {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}

package io.cis.worker.pipeline;

import io.cis.worker.core.Outcome;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.ops.OutcomeCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * One JSON log line and one counter increment per item outcome: the record operators search when asking "what
 * happened to this file?". The line's {@code reason} is the outcome's code, {@code detail} its free text;
 * {@code document_unchanged} is true for an indexed item whose documents OpenSearch left as they were (a replay),
 * which is also counted.
 */
public final class OutcomeLog {

    private static final Logger log = LoggerFactory.getLogger("io.cis.worker.outcome");

    private final OutcomeCounters counters;
    private final Clock clock;
    private final Timer enqueueToIndexed;
    private final Counter documentsUnchanged;

    public OutcomeLog(OutcomeCounters counters, MeterRegistry metrics, Clock clock) {
        this.counters = counters;
        this.clock = clock;
        this.enqueueToIndexed = Timer.builder(MetricNames.ENQUEUE_TO_INDEXED)
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(metrics);
        this.documentsUnchanged = metrics.counter(MetricNames.DOCUMENTS_UNCHANGED);
    }

    public void record(WorkItem item, Outcome outcome) {
        String kind = OutcomeCounters.tagValue(outcome.kind());
        counters.increment(outcome);
        long latencyMillis = Math.max(0, clock.millis() - item.enqueuedAtMillis());
        boolean unchanged = outcome.kind() == Outcome.Kind.INDEXED && item.documentUnchanged();
        if (outcome.kind() == Outcome.Kind.INDEXED) {
            enqueueToIndexed.record(latencyMillis, TimeUnit.MILLISECONDS);
        }
        if (unchanged) {
            documentsUnchanged.increment();
        }
        Object[] args = {kind, kv("s3_url", item.s3Url()), kv("document_id", item.documentId()), kv("outcome", kind),
                kv("reason", outcome.reason().code()), kv("detail", outcome.detail()), kv("cache_hit", item.cacheHit()),
                kv("downloaded", item.downloaded()), kv("image_hash", item.imageHash()),
                kv("document_unchanged", unchanged), kv("latency_ms", latencyMillis)};
        switch (outcome.kind()) {
            case INDEXED, SKIPPED -> log.info("item {}", args);
            case FAILED_PERMANENT, FAILED_TRANSIENT -> log.warn("item {}", args);
        }
    }
}

package io.cis.worker.pipeline;

import io.cis.worker.core.Outcome;

import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/** One JSON log line and one counter increment per item outcome: the record operators search when asking "what happened to this file?". */
public final class OutcomeLog {

    private static final Logger log = LoggerFactory.getLogger("io.cis.worker.outcome");

    private final MeterRegistry metrics;
    private final Clock clock;
    private final Timer enqueueToIndexed;

    public OutcomeLog(MeterRegistry metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
        this.enqueueToIndexed = Timer.builder(MetricNames.ENQUEUE_TO_INDEXED)
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(metrics);
    }

    public void record(WorkItem item, Outcome outcome) {
        String kind = outcome.kind().name().toLowerCase(Locale.ROOT);
        String reasonCode = reasonCode(outcome.reason());
        metrics.counter(MetricNames.ITEMS, MetricNames.TAG_OUTCOME, kind, MetricNames.TAG_REASON, reasonCode).increment();
        long latencyMillis = Math.max(0, clock.millis() - item.enqueuedAtMillis());
        if (outcome.kind() == Outcome.Kind.INDEXED) {
            enqueueToIndexed.record(latencyMillis, TimeUnit.MILLISECONDS);
        }
        Object[] args = {kind, kv("s3_url", item.s3Url()), kv("document_id", item.documentId()), kv("outcome", kind),
                kv("reason", outcome.reason()), kv("cache_hit", item.cacheHit()), kv("downloaded", item.downloaded()), kv("image_hash", item.imageHash()),
                kv("latency_ms", latencyMillis)};
        switch (outcome.kind()) {
            case INDEXED, SKIPPED -> log.info("item {}", args);
            case FAILED_PERMANENT, FAILED_TRANSIENT -> log.warn("item {}", args);
        }
    }

    /** The stable part of a reason ("object_not_found: NoSuchKey" -> "object_not_found"), to keep metric tags few. */
    static String reasonCode(String reason) {
        if (reason == null || reason.isEmpty()) {
            return "none";
        }
        int colon = reason.indexOf(':');
        String code = colon > 0 ? reason.substring(0, colon) : reason;
        return code.length() > 40 ? code.substring(0, 40) : code;
    }
}

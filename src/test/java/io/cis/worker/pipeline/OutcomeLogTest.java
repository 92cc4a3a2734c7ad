package io.cis.worker.pipeline;

import io.cis.worker.ops.OutcomeCounters;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The outcome line says whether OpenSearch left the document unchanged, and the counter counts those items. */
class OutcomeLogTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OutcomeLog log = new OutcomeLog(new OutcomeCounters(registry), registry,
            Clock.fixed(Instant.ofEpochMilli(5_000), ZoneOffset.UTC));
    private final Logger outcomeLogger = (Logger) LoggerFactory.getLogger("io.cis.worker.outcome");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void listen() {
        lines.start();
        outcomeLogger.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        outcomeLogger.detachAppender(lines);
    }

    private static WorkItem item(String key, boolean unchanged) {
        WorkItem item = new WorkItem(S3ObjectRef.of("cis-images", key), null, (i, outcome) -> { }, 1_000L);
        item.resolvedDocumentId(key);
        item.documentUnchanged(unchanged);
        return item;
    }

    /** The line's structured fields as key=value, as kv() prints them. */
    private List<String> fields(int line) {
        return Arrays.stream(lines.list.get(line).getArgumentArray()).skip(1).map(String::valueOf).toList();
    }

    private double unchangedCount() {
        return registry.get(MetricNames.DOCUMENTS_UNCHANGED).counter().count();
    }

    @Test
    void anUnchangedDocumentIsLoggedAndCountedBesideTheOtherFields() {
        log.record(item("replayed.jpg", true), Outcome.indexed());
        log.record(item("new.jpg", false), Outcome.indexed());

        assertEquals(List.of("s3_url=s3://cis-images/replayed.jpg", "document_id=replayed.jpg", "outcome=indexed",
                "reason=none", "detail=", "cache_hit=false", "downloaded=false", "image_hash=null",
                "document_unchanged=true", "latency_ms=4000"), fields(0));
        assertEquals("document_unchanged=false", fields(1).get(8));
        assertEquals(1.0, unchangedCount(), "only the replayed item");
    }

    @Test
    void onlyAnIndexedItemCanBeUnchanged() {
        log.record(item("gone.jpg", true), Outcome.transientFailure(Reason.INDEX_UNAVAILABLE, "503"));

        assertEquals("document_unchanged=false", fields(0).get(8));
        assertEquals(0.0, unchangedCount());
    }

    @Test
    void theCounterExistsAtZeroBeforeAnyOutcome() {
        assertEquals(0.0, unchangedCount());
    }
}

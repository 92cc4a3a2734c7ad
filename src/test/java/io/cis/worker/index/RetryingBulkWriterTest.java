package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import io.cis.worker.index.BulkItemResult.Status;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.retry.Retries;
import io.cis.worker.retry.RetryPolicy;
import io.cis.worker.core.ServiceHealthListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch._types.ErrorCause;

/** The bulk decorator with resilience4j doing the loop; waits of a few milliseconds. */
class RetryingBulkWriterTest {

    private static final BulkItemClassifier CLASSIFIER = new BulkItemClassifier(MissingDocumentPolicy.UPSERT);
    private static final BulkItem A = update("a");
    private static final BulkItem B = update("b");
    private static final BulkItem C = update("c");
    private static final BulkItem D = update("d");

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final List<String> health = new ArrayList<>();
    private final ServiceHealthListener listener = new ServiceHealthListener() {
        @Override
        public void answered() {
            health.add("answered");
        }

        @Override
        public void unavailable(Reason reason, String detail) {
            health.add("unavailable: " + detail);
        }
    };

    /** Answers each request with the next scripted answer function, and remembers what it was sent. */
    private static final class ScriptedOpenSearch implements BulkWriter {
        final Deque<Function<BulkItem, BulkItemResult>> answers = new ArrayDeque<>();
        final List<List<String>> requests = new ArrayList<>();

        @Override
        public List<BulkItemResult> index(List<? extends BulkItem> items) {
            requests.add(items.stream().map(BulkItem::documentId).toList());
            Function<BulkItem, BulkItemResult> answer = answers.isEmpty() ? BulkItemResult::indexed : answers.poll();
            return items.stream().map(answer).toList();
        }
    }

    private RetryingBulkWriter writer(ScriptedOpenSearch openSearch, int maxAttempts) {
        return new RetryingBulkWriter(openSearch, Retries.create("opensearch_bulk",
                new RetryPolicy(maxAttempts, Duration.ofMillis(2), Duration.ofMillis(8)), e -> false,
                RetryingBulkWriter::retryWhilePending, () -> 0.0, metrics), listener);
    }

    @Test
    void onlyTheFailedTransientItemsAreSentAgain() {
        ScriptedOpenSearch openSearch = new ScriptedOpenSearch();
        Map<String, BulkItemResult> first = Map.of(
                "a", BulkItemResult.indexed(A),
                "b", item(B, 429, "es_rejected_execution_exception"),
                "c", item(C, 400, "mapper_parsing_exception"),
                "d", item(D, 503, "unavailable_shards_exception"));
        openSearch.answers.add(item -> first.get(item.documentId()));
        openSearch.answers.add(item -> item == B ? BulkItemResult.indexed(B) : item(item, 503, "unavailable_shards_exception"));
        // third request: everything indexed (the default answer)

        List<BulkItemResult> results = writer(openSearch, 5).index(List.of(A, B, C, D));

        assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("b", "d"), List.of("d")), openSearch.requests);
        assertEquals(List.of(Status.INDEXED, Status.INDEXED, Status.FAILED_PERMANENT, Status.INDEXED),
                results.stream().map(BulkItemResult::status).toList());
        assertEquals(List.of(A, B, C, D), results.stream().map(BulkItemResult::item).toList());
        assertEquals(2.0, metrics.get(MetricNames.RETRIES).tag(MetricNames.TAG_OPERATION, "opensearch_bulk").counter().count());
        assertEquals(List.of("answered"), health);
    }

    @Test
    void anOutageLastingLongerThanTheRetriesLeavesEveryItemTransientAndReportsIt() {
        ScriptedOpenSearch openSearch = new ScriptedOpenSearch();
        for (int i = 0; i < 10; i++) {
            openSearch.answers.add(item -> CLASSIFIER.requestFailed(item, new ConnectException("Connection refused")));
        }

        List<BulkItemResult> results = writer(openSearch, 3).index(List.of(A, B));

        assertEquals(3, openSearch.requests.size());
        assertTrue(results.stream().allMatch(r -> r.status() == Status.FAILED_TRANSIENT), results.toString());
        assertEquals(List.of("unavailable: bulk request failed: ConnectException: Connection refused"), health);
    }

    @Test
    void aClosedIndexIsReportedAsAnOutageWithItsOwnReasonAfterOneAttempt() {
        ScriptedOpenSearch openSearch = new ScriptedOpenSearch();
        openSearch.answers.add(item -> item(item, 400, "index_closed_exception"));
        List<String> reasons = new ArrayList<>();
        RetryingBulkWriter writer = new RetryingBulkWriter(openSearch, Retries.create("opensearch_bulk",
                new RetryPolicy(3, Duration.ofMillis(2), Duration.ofMillis(8)), e -> false,
                RetryingBulkWriter::retryWhilePending, () -> 0.0, metrics), new ServiceHealthListener() {
                    @Override
                    public void answered() {
                        reasons.add("answered");
                    }

                    @Override
                    public void unavailable(Reason reason, String detail) {
                        reasons.add(reason.code() + ": " + detail);
                    }
                });

        List<BulkItemResult> results = writer.index(List.of(A, B));

        assertEquals(1, openSearch.requests.size(), "an operator must reopen it: not re-sent at once");
        assertTrue(results.stream().allMatch(r -> r.status() == Status.FAILED_TRANSIENT), results.toString());
        assertEquals(List.of("index_not_writable: 400 index_closed_exception: reason"), reasons,
                "the pause names the cause, not a generic index_unavailable");
    }

    @Test
    void conflictsLeftAfterTheRetriesAreTransientButDoNotCountAsAnOutage() {
        ScriptedOpenSearch openSearch = new ScriptedOpenSearch();
        for (int i = 0; i < 10; i++) {
            openSearch.answers.add(item -> item(item, 409, "version_conflict_engine_exception"));
        }

        List<BulkItemResult> results = writer(openSearch, 2).index(List.of(A));

        assertEquals(2, openSearch.requests.size());
        assertEquals(Status.FAILED_TRANSIENT, results.get(0).status());
        assertEquals(List.of("answered"), health);
    }

    @Test
    void permanentAndOperatorFailuresAreNotResent() {
        ScriptedOpenSearch openSearch = new ScriptedOpenSearch();
        openSearch.answers.add(item -> item == A ? item(A, 400, "mapper_parsing_exception") : item(B, 404, "index_not_found_exception"));

        List<BulkItemResult> results = writer(openSearch, 5).index(List.of(A, B));

        assertEquals(1, openSearch.requests.size());
        assertEquals(List.of(Status.FAILED_PERMANENT, Status.FAILED_TRANSIENT), results.stream().map(BulkItemResult::status).toList());
    }

    @Test
    void anEmptyBatchSendsNothing() {
        ScriptedOpenSearch openSearch = new ScriptedOpenSearch();
        assertEquals(List.of(), writer(openSearch, 5).index(List.of()));
        assertEquals(List.of(), openSearch.requests);
        assertEquals(List.of(), health);
    }

    private static BulkItemResult item(BulkItem item, int status, String type) {
        return CLASSIFIER.classify(item, status, null, ErrorCause.of(e -> e.type(type).reason("reason")), SourceVersion.UNKNOWN);
    }

    private static EmbeddingUpdate update(String id) {
        return new EmbeddingUpdate(id, "bucket", id + ".jpg", new float[] {0.6f, 0.8f}, "m",
                "0123456789abcdef0123456789abcdef", Instant.parse("2025-01-02T03:04:05Z"), SourceVersion.UNKNOWN);
    }
}

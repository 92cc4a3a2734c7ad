package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import java.net.ConnectException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.ErrorResponse;
import org.opensearch.client.opensearch._types.OpenSearchException;

class BulkRetryDecisionTest {

    private static final EmbeddingUpdate UPDATE = new EmbeddingUpdate("doc-1", "bucket", "a/b.jpg",
            new float[] {0.6f, 0.8f}, "m", "0123456789abcdef0123456789abcdef", Instant.parse("2025-01-02T03:04:05Z"), SourceVersion.UNKNOWN);
    private final BulkItemClassifier upsert = new BulkItemClassifier(MissingDocumentPolicy.UPSERT);
    private final BulkItemClassifier retryMissing = new BulkItemClassifier(MissingDocumentPolicy.RETRY);

    @Test
    void overloadServerErrorsTimeoutsAndConflictsAreResent() {
        for (int status : new int[] {408, 409, 429, 500, 502, 503, 504}) {
            assertTrue(BulkRetryDecision.worthResending(item(status, "some_exception")), "status " + status);
        }
    }

    @Test
    void aFailedRequestIsResent() {
        assertTrue(BulkRetryDecision.worthResending(upsert.requestFailed(UPDATE, new ConnectException("Connection refused"))));
        OpenSearchException throttled = new OpenSearchException(ErrorResponse.of(r -> r.status(429)
                .error(ErrorCause.of(e -> e.type("es_rejected_execution_exception").reason("queue full")))));
        BulkItemResult rejected = upsert.requestFailed(UPDATE, throttled);
        assertEquals(429, rejected.httpStatus());
        assertTrue(BulkRetryDecision.worthResending(rejected));
        OpenSearchException forbidden = new OpenSearchException(ErrorResponse.of(r -> r.status(403)
                .error(ErrorCause.of(e -> e.type("security_exception").reason("no permissions")))));
        assertFalse(BulkRetryDecision.worthResending(upsert.requestFailed(UPDATE, forbidden)));
    }

    @Test
    void mappingErrorsAreNeverResent() {
        BulkItemResult rejected = item(400, "mapper_parsing_exception");
        assertEquals(BulkItemResult.Status.FAILED_PERMANENT, rejected.status());
        assertFalse(BulkRetryDecision.worthResending(rejected));
        assertFalse(BulkRetryDecision.worthResending(BulkItemResult.indexed(UPDATE)));
        assertFalse(BulkRetryDecision.worthResending(BulkItemResult.permanent(UPDATE, Reason.DOCUMENT_REJECTED, "embedding component 3 is NaN")));
    }

    @Test
    void failuresAnOperatorMustFixWaitForRedelivery() {
        BulkItemResult noIndex = item(404, "index_not_found_exception");
        assertEquals(BulkItemResult.Status.FAILED_TRANSIENT, noIndex.status());
        assertFalse(BulkRetryDecision.worthResending(noIndex));
        assertFalse(BulkRetryDecision.worthResending(item(403, "cluster_block_exception")));
        BulkItemResult missing = retryMissing.classify(UPDATE, 404, null,
                ErrorCause.of(e -> e.type("document_missing_exception").reason("[doc-1]: document missing")), SourceVersion.UNKNOWN);
        assertEquals(BulkItemResult.Status.FAILED_TRANSIENT, missing.status());
        assertFalse(BulkRetryDecision.worthResending(missing));
    }

    @Test
    void theServiceIsDownOnlyIfEverySentItemGotNoAnswerOrOverload() {
        BulkItemResult refused = upsert.requestFailed(UPDATE, new ConnectException("Connection refused"));
        BulkItemResult notSent = BulkItemResult.permanent(UPDATE, Reason.DOCUMENT_ID_INVALID, "empty document id");
        assertTrue(BulkRetryDecision.serviceUnavailable(List.of(refused, refused)));
        assertTrue(BulkRetryDecision.serviceUnavailable(List.of(item(503, "unavailable_shards_exception"), notSent)));
        assertTrue(BulkRetryDecision.serviceUnavailable(List.of(item(429, "es_rejected_execution_exception"))));

        assertFalse(BulkRetryDecision.serviceUnavailable(List.of(refused, BulkItemResult.indexed(UPDATE))));
        assertFalse(BulkRetryDecision.serviceUnavailable(List.of(item(409, "version_conflict_engine_exception"))));
        assertFalse(BulkRetryDecision.serviceUnavailable(List.of(item(400, "mapper_parsing_exception"))));
        assertFalse(BulkRetryDecision.serviceUnavailable(List.of(notSent)));
        assertFalse(BulkRetryDecision.serviceUnavailable(List.of()));
    }

    @Test
    void anIndexThatCannotTakeWritesIsAnOutageButNotResentAtOnce() {
        BulkItemResult closed = item(400, "index_closed_exception");
        BulkItemResult noIndex = item(404, "index_not_found_exception");
        BulkItemResult noWriteIndex = upsert.classify(UPDATE, 400, null, ErrorCause.of(e -> e
                .type("illegal_argument_exception").reason("no write index is defined for alias [cis-files]. ...")), SourceVersion.UNKNOWN);
        for (BulkItemResult result : List.of(closed, noIndex, noWriteIndex)) {
            assertTrue(BulkRetryDecision.serviceUnavailable(List.of(result, result)), result.detail());
            // Reopening an index takes an operator, not a few hundred milliseconds: back to the queue, gate closed.
            assertFalse(BulkRetryDecision.worthResending(result), result.detail());
        }
        assertFalse(BulkRetryDecision.serviceUnavailable(List.of(closed, BulkItemResult.indexed(UPDATE))));
    }

    private BulkItemResult item(int status, String type) {
        return upsert.classify(UPDATE, status, null, ErrorCause.of(e -> e.type(type).reason("reason")), SourceVersion.UNKNOWN);
    }
}

package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.index.BulkItemResult.Status;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.ErrorResponse;
import org.opensearch.client.opensearch._types.OpenSearchException;

class BulkItemClassifierTest {

    private static final EmbeddingUpdate UPDATE = new EmbeddingUpdate("doc-1", "bucket", "a/b.jpg",
            new float[] {0.6f, 0.8f}, "openai/clip-vit-base-patch32", "0123456789abcdef0123456789abcdef",
            Instant.parse("2025-01-02T03:04:05Z"), SourceVersion.UNKNOWN);
    private static final ErrorRecord ERROR_RECORD = new ErrorRecord("doc-1", "corrupt image", SourceVersion.UNKNOWN);

    private final BulkItemClassifier failPolicy = new BulkItemClassifier(MissingDocumentPolicy.FAIL);

    @Test
    void successfulStatusesAreIndexed() {
        for (int status : new int[] {200, 201}) {
            BulkItemResult result = failPolicy.classify(UPDATE, status, status == 201 ? "created" : "updated", null, SourceVersion.UNKNOWN);
            assertEquals(Status.INDEXED, result.status(), "status " + status);
            assertNull(result.detail());
            assertEquals(UPDATE, result.item());
            assertFalse(result.unchanged(), "status " + status + ": the document was written");
        }
    }

    @Test
    void aNoOpThatLeftANewerPictureOnTheDocumentIsSuperseded() {
        SourceVersion sent = SourceVersion.of("0055AA", Instant.parse("2025-01-02T03:00:00Z"));
        EmbeddingUpdate older = new EmbeddingUpdate("doc-1", "bucket", "a/b.jpg", new float[] {0.6f, 0.8f}, "m",
                "0123456789abcdef0123456789abcdef", Instant.parse("2025-01-02T03:04:05Z"), sent);

        BulkItemResult skipped = failPolicy.classify(older, 200, "noop", null,
                SourceVersion.of("55AB", Instant.parse("2025-01-02T03:05:00Z")));
        assertEquals(Status.SUPERSEDED, skipped.status());
        assertEquals(Reason.SUPERSEDED, skipped.reason());
        assertEquals(Outcome.Kind.SKIPPED, skipped.outcome().kind(), "the message is done with");
        assertTrue(skipped.detail().contains("sequencer 55AB"), skipped.detail());
        assertFalse(skipped.unchanged());

        BulkItemResult replay = failPolicy.classify(older, 200, "noop", null, sent);
        assertEquals(Status.INDEXED, replay.status());
        assertTrue(replay.unchanged(), "the same version already there: a replay");
    }

    @Test
    void aNoopIsIndexedAndMarkedUnchanged() {
        BulkItemResult noop = failPolicy.classify(UPDATE, 200, "noop", null, SourceVersion.UNKNOWN);
        assertEquals(Status.INDEXED, noop.status());
        assertTrue(noop.unchanged());
        assertEquals(Outcome.indexed(), noop.outcome(), "a no-op still counts as indexed");

        assertFalse(failPolicy.classify(UPDATE, 200, null, null, SourceVersion.UNKNOWN).unchanged(), "no result given: not known unchanged");
    }

    @Test
    void onlyAnIndexedResultCanBeUnchanged() {
        assertThrows(IllegalArgumentException.class, () -> new BulkItemResult(UPDATE, Status.FAILED_TRANSIENT,
                Reason.INDEX_UNAVAILABLE, "503", 503, true));
        assertFalse(BulkItemResult.transientFailure(UPDATE, Reason.INDEX_UNAVAILABLE, "503", 503).unchanged());
    }

    @Test
    void mappingRejectionIsPermanentWithTheServersReason() {
        ErrorCause error = error("mapper_parsing_exception", "failed to parse field [image_embedding]",
                error("illegal_argument_exception", "Vector dimension mismatch. Expected: 4, Given: 3", null));

        BulkItemResult result = failPolicy.classify(UPDATE, 400, null, error, SourceVersion.UNKNOWN);

        assertEquals(Status.FAILED_PERMANENT, result.status());
        assertEquals("400 mapper_parsing_exception: failed to parse field [image_embedding] (caused by "
                + "illegal_argument_exception: Vector dimension mismatch. Expected: 4, Given: 3)", result.detail());
    }

    @Test
    void otherClientErrorsArePermanent() {
        assertEquals(Status.FAILED_PERMANENT,
                failPolicy.classify(UPDATE, 400, null, error("illegal_argument_exception", "bad", null), SourceVersion.UNKNOWN).status());
        assertEquals(Status.FAILED_PERMANENT,
                failPolicy.classify(UPDATE, 413, null, error("too_long_frame_exception", "too big", null), SourceVersion.UNKNOWN).status());
    }

    @Test
    void throttlingConflictsAndServerErrorsAreTransient() {
        assertTransient(429, "es_rejected_execution_exception");
        assertTransient(429, "circuit_breaking_exception");
        assertTransient(409, "version_conflict_engine_exception");
        assertTransient(408, "timeout_exception");
        assertTransient(500, "exception");
        assertTransient(503, "unavailable_shards_exception");
        assertTransient(404, "index_not_found_exception");
        assertTransient(403, "cluster_block_exception");
        assertTransient(401, "security_exception");
    }

    @Test
    void missingDocumentFollowsThePolicy() {
        ErrorCause missing = error("document_missing_exception", "[doc-1]: document missing", null);

        BulkItemResult failed = failPolicy.classify(UPDATE, 404, null, missing, SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_PERMANENT, failed.status());
        assertTrue(failed.detail().contains("document_missing_exception"), failed.detail());
        assertTrue(failed.detail().contains("FAIL"), failed.detail());

        BulkItemResult retried = new BulkItemClassifier(MissingDocumentPolicy.RETRY).classify(UPDATE, 404, null, missing, SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_TRANSIENT, retried.status());
    }

    @Test
    void missingDocumentForAnErrorRecordIsPermanentWhateverThePolicy() {
        ErrorCause missing = error("document_missing_exception", "[doc-1]: document missing", null);
        for (MissingDocumentPolicy policy : MissingDocumentPolicy.values()) {
            BulkItemResult result = new BulkItemClassifier(policy).classify(ERROR_RECORD, 404, null, missing, SourceVersion.UNKNOWN);
            assertEquals(Status.FAILED_PERMANENT, result.status(), policy.name());
            assertTrue(result.detail().contains("could not be recorded"), result.detail());
        }
    }

    @Test
    void aFailedRequestMakesEveryItemTransient() {
        BulkItemResult refused = failPolicy.requestFailed(UPDATE, new ConnectException("Connection refused"));
        assertEquals(Status.FAILED_TRANSIENT, refused.status());
        assertEquals("bulk request failed: ConnectException: Connection refused", refused.detail());

        BulkItemResult timedOut = failPolicy.requestFailed(ERROR_RECORD, new SocketTimeoutException("Read timed out"));
        assertEquals(Status.FAILED_TRANSIENT, timedOut.status());

        OpenSearchException throttled = new OpenSearchException(ErrorResponse.of(r -> r.status(429)
                .error(error("es_rejected_execution_exception", "rejected execution of bulk", null))));
        BulkItemResult rejected = failPolicy.requestFailed(UPDATE, throttled);
        assertEquals(Status.FAILED_TRANSIENT, rejected.status());
        assertEquals("bulk request failed: status 429, es_rejected_execution_exception: rejected execution of bulk",
                rejected.detail());
    }

    @Test
    void aClosedIndexIsTransientNotARejection() {
        // What OpenSearch 2.19 answers for each update item while the index is closed.
        BulkItemResult closed = failPolicy.classify(UPDATE, 400, null, error("index_closed_exception", "closed", null), SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_TRANSIENT, closed.status());
        assertEquals(Reason.INDEX_NOT_WRITABLE, closed.reason());
        assertEquals("400 index_closed_exception: closed", closed.detail());
        assertEquals(400, closed.httpStatus());
        BulkItemResult record = failPolicy.classify(ERROR_RECORD, 400, null, error("index_closed_exception", "closed", null), SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_TRANSIENT, record.status(), "a failure record must wait for the index too");
    }

    @Test
    void anAliasWithoutAWriteIndexIsTransientNotARejection() {
        // What OpenSearch 2.19 answers for each item written to an alias over two indices, neither the write index.
        BulkItemResult noWriteIndex = failPolicy.classify(UPDATE, 400, null, error("illegal_argument_exception",
                "no write index is defined for alias [cis-files]. The write index may be explicitly disabled using"
                        + " is_write_index=false or the alias points to multiple indices without one being designated"
                        + " as a write index", null), SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_TRANSIENT, noWriteIndex.status());
        assertEquals(Reason.INDEX_NOT_WRITABLE, noWriteIndex.reason());

        BulkItemResult otherIllegalArgument = failPolicy.classify(UPDATE, 400, null,
                error("illegal_argument_exception", "Vector dimension mismatch. Expected: 4, Given: 3", null), SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_PERMANENT, otherIllegalArgument.status(), "other 400s stay rejections");
        assertEquals(Reason.DOCUMENT_REJECTED, otherIllegalArgument.reason());
    }

    private void assertTransient(int status, String type) {
        BulkItemResult result = failPolicy.classify(UPDATE, status, null, error(type, "reason", null), SourceVersion.UNKNOWN);
        assertEquals(Status.FAILED_TRANSIENT, result.status(), status + " " + type);
        assertEquals(status + " " + type + ": reason", result.detail());
    }

    private static ErrorCause error(String type, String reason, ErrorCause causedBy) {
        return ErrorCause.of(e -> {
            e.type(type).reason(reason);
            if (causedBy != null) {
                e.causedBy(causedBy);
            }
            return e;
        });
    }
}

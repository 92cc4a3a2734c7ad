package io.cis.worker.index;

import io.cis.worker.core.Reason;
import java.util.Objects;
import org.opensearch.client.opensearch._types.ErrorCause;

/**
 * Decides whether a failed bulk item is worth sending again. Pure: no I/O, so every rule is unit-tested.
 *
 * <ul>
 *   <li>2xx: indexed ("updated", "created" and "noop" alike); a "noop" is marked unchanged: OpenSearch found the
 *       document already holding these values and wrote nothing. Except a "noop" whose document holds another
 *       picture version than the one sent: the update skipped it as older ({@link BulkActions}), so it is
 *       superseded.</li>
 *   <li>Transient: 408, 409 (a version conflict left after {@code retry_on_conflict}), 429 (rejected execution,
 *       circuit breakers), every 5xx, any 404 other than a missing document, such as {@code index_not_found_exception}
 *       (the index was deleted or is being recreated: an operator fixes that, the item is fine), and 401/403 (credentials, permissions and index blocks
 *       such as the read-only block after the disk flood stage: also fixed by an operator).</li>
 *   <li>404 {@code document_missing_exception}: per {@link MissingDocumentPolicy} for embedding updates; always
 *       permanent for {@link ErrorRecord}s, which never create documents.</li>
 *   <li>An index that cannot take writes is transient too ({@link Reason#INDEX_NOT_WRITABLE}), although OpenSearch
 *       answers 400: a closed index ({@code index_closed_exception}) and an alias without a write index
 *       ({@code illegal_argument_exception} "no write index is defined for alias"). Nothing is wrong with the item:
 *       an operator closing the index to change a setting, or swapping the alias, would otherwise lose every upload
 *       made meanwhile.</li>
 *   <li>Every other 4xx is permanent: 400 {@code mapper_parsing_exception}, {@code illegal_argument_exception}
 *       (e.g. a vector of the wrong dimension), {@code document_parsing_exception}, 413 and so on. The same
 *       bytes would be rejected again.</li>
 * </ul>
 * A failure of the whole request (connection refused, timeout, 5xx/429 for the request, even an unexpected 4xx)
 * says nothing against any single item, so every item is transient: the message stays in the queue and, if it
 * keeps failing, reaches the dead-letter queue instead of being deleted.
 */
public final class BulkItemClassifier {

    static final String DOCUMENT_MISSING = "document_missing_exception";
    static final String INDEX_NOT_FOUND = "index_not_found_exception";
    static final String INDEX_CLOSED = "index_closed_exception";
    /** OpenSearch's words (an illegal_argument_exception, 400) for a write to an alias that has no write index. */
    static final String NO_WRITE_INDEX = "no write index is defined for alias";
    /** The bulk item's {@code result} when the update changed nothing ({@code detect_noop}). */
    static final String NOOP = "noop";

    private final MissingDocumentPolicy missingDocumentPolicy;

    public BulkItemClassifier(MissingDocumentPolicy missingDocumentPolicy) {
        this.missingDocumentPolicy = Objects.requireNonNull(missingDocumentPolicy, "missingDocumentPolicy");
    }

    /**
     * @param item   the item the response line belongs to
     * @param status the item's HTTP status
     * @param result the item's write result ("created", "updated", "noop", ...), null when OpenSearch gave none
     * @param error  the item's error, null when it succeeded
     * @param stored the picture version the document holds after the update (the fields the response returned), or
     *               {@link SourceVersion#UNKNOWN}
     */
    public BulkItemResult classify(BulkItem item, int status, String result, ErrorCause error, SourceVersion stored) {
        if (error == null && status >= 200 && status < 300) {
            if (!NOOP.equals(result)) {
                return BulkItemResult.indexed(item);
            }
            if (item.source().supersededBy(stored)) {
                return BulkItemResult.superseded(item, "the document holds " + describe(stored)
                        + ", this picture is " + describe(item.source()));
            }
            return BulkItemResult.unchanged(item);
        }
        String type = error == null ? null : error.type();
        String detail = status + " " + OpenSearchErrors.describe(error);
        if (status == 404 && DOCUMENT_MISSING.equals(type)) {
            return missingDocument(item, detail, status);
        }
        if (cannotTakeWrites(error)) {
            return BulkItemResult.transientFailure(item, Reason.INDEX_NOT_WRITABLE, detail, status);
        }
        if (isTransient(status)) {
            return BulkItemResult.transientFailure(item, transientReason(status), detail, status);
        }
        return BulkItemResult.permanent(item, Reason.DOCUMENT_REJECTED, detail, status);
    }

    private static String describe(SourceVersion version) {
        return "sequencer " + version.sequencer() + ", last modified " + version.lastModifiedText();
    }

    /** Every item of a request that failed as a whole gets this result. */
    public BulkItemResult requestFailed(BulkItem item, Exception failure) {
        int status = OpenSearchErrors.statusOf(failure);
        return BulkItemResult.transientFailure(item, transientReason(status),
                "bulk request failed: " + OpenSearchErrors.describe(failure), status);
    }

    /** The reason code of a transient failure, from the HTTP status alone ({@link BulkItemResult#NO_ANSWER}: none). */
    static Reason transientReason(int status) {
        if (status == BulkItemResult.NO_ANSWER) {
            return Reason.INDEX_UNREACHABLE;
        }
        return switch (status) {
            case 401, 403 -> Reason.INDEX_ACCESS_DENIED;
            case 404 -> Reason.INDEX_NOT_FOUND;
            case 408 -> Reason.INDEX_UNAVAILABLE;
            case 409 -> Reason.VERSION_CONFLICT;
            case 429 -> Reason.INDEX_THROTTLED;
            default -> status >= 500 ? Reason.INDEX_UNAVAILABLE : Reason.INDEX_ERROR;
        };
    }

    private BulkItemResult missingDocument(BulkItem item, String detail, int status) {
        if (item instanceof ErrorRecord) {
            return BulkItemResult.permanent(item, Reason.DOCUMENT_MISSING,
                    detail + "; the failure could not be recorded on the document", status);
        }
        return switch (missingDocumentPolicy) {
            case FAIL -> BulkItemResult.permanent(item, Reason.DOCUMENT_MISSING, detail + " (missing-document policy FAIL)", status);
            // UPSERT creates missing documents, so a 404 here is unexpected: keep the item rather than drop it.
            case RETRY, UPSERT -> BulkItemResult.transientFailure(item, Reason.DOCUMENT_MISSING,
                    detail + " (missing-document policy " + missingDocumentPolicy + ")", status);
        };
    }

    /** A closed index, or an alias without a write index: the index is fine, it just cannot take writes now. */
    static boolean cannotTakeWrites(ErrorCause error) {
        if (error == null) {
            return false;
        }
        return INDEX_CLOSED.equals(error.type())
                || (error.reason() != null && error.reason().contains(NO_WRITE_INDEX));
    }

    private static boolean isTransient(int status) {
        return status == 401 || status == 403 || status == 404 || status == 408 || status == 409 || status == 429
                || status >= 500 || status < 400;
    }
}

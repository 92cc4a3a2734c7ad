package io.cis.worker.core;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import static io.cis.worker.core.Outcome.Kind.FAILED_PERMANENT;
import static io.cis.worker.core.Outcome.Kind.FAILED_TRANSIENT;
import static io.cis.worker.core.Outcome.Kind.INDEXED;
import static io.cis.worker.core.Outcome.Kind.SKIPPED;

/**
 * Why an item ended as it did: a bounded set of snake_case codes, the {@code reason} tag of {@code cis.items} and
 * the {@code reason} field of the outcome log line (and of the warnings about failed calls, which use the same codes
 * and a few of their own, such as {@link #SQS_UNREACHABLE}). One constant per cause an operator would alert or graph on; the
 * particulars (the key, the exception's message, OpenSearch's error type and HTTP status) go into the outcome's
 * free-text {@code detail}, never into the code. The README's table of codes is generated from this enum
 * ({@link #markdownTable()}, scripts/generate-config-docs.sh) and checked by a test.
 */
public enum Reason {

    NONE("the item was indexed (the reason tag of indexed items)", INDEXED),

    TEST_EVENT("the s3:TestEvent S3 sends when a notification configuration is saved", SKIPPED),
    OBJECT_REMOVED("an ObjectRemoved event (or EventBridge \"Object Deleted\")", SKIPPED),
    OTHER_EVENT_TYPE("any other event: restore, tagging, lifecycle, replication, SNS subscription handshakes", SKIPPED),
    NOT_AN_IMAGE("the key does not end in an accepted image extension", SKIPPED),
    PREFIX_FILTERED("the key is outside every configured prefix", SKIPPED),
    BUCKET_NOT_ALLOWED("the bucket is not in S3_BUCKETS: nothing is fetched from it (queue, backfill and enqueue alike)", SKIPPED),
    NO_S3_LOCATION("backfill: the document names no S3 object", SKIPPED),
    SUPERSEDED("the document already holds a newer picture of the key (by the S3 event sequencer, else the object's "
            + "Last-Modified): this older notification changes nothing", SKIPPED),

    UNPARSEABLE_MESSAGE("the message body is no known notification (deleted, logged with an excerpt)", FAILED_PERMANENT),
    OBJECT_NOT_FOUND("S3 has no such key, version or bucket (404)", FAILED_PERMANENT),
    BUCKET_OWNER_MISMATCH("S3 answered 403 AccessDenied to a request carrying S3_EXPECTED_BUCKET_OWNER: the bucket "
            + "belongs to another account (S3 gives a plain access denial the same answer; see the README's IAM section)",
            FAILED_PERMANENT),
    OBJECT_TOO_LARGE("the object is larger than MAX_OBJECT_BYTES", FAILED_PERMANENT),
    IMAGE_EMPTY("the object has no bytes", FAILED_PERMANENT),
    IMAGE_UNSUPPORTED_FORMAT("not a supported image format, or a variant that is not decoded", FAILED_PERMANENT),
    IMAGE_CORRUPT("the bytes claim a supported format but are broken", FAILED_PERMANENT),
    IMAGE_TRUNCATED("the image data ends before the picture does", FAILED_PERMANENT),
    IMAGE_TOO_LARGE("the declared dimensions exceed the decode limits (decompression-bomb guard)", FAILED_PERMANENT),
    IMAGE_UNREADABLE("decoding or preprocessing failed in another way", FAILED_PERMANENT),
    EMBEDDING_NOT_FINITE("the model gave a vector with a NaN or infinite component; it is neither cached nor indexed",
            FAILED_PERMANENT),
    DOCUMENT_ID_INVALID("the object cannot name a document (e.g. a key longer than OpenSearch's id limit)", FAILED_PERMANENT),
    TOO_MANY_DOCUMENTS("lookup mode found more documents for the key than the configured maximum", FAILED_PERMANENT),
    DOCUMENT_REJECTED("OpenSearch rejects the update (4xx: mapping error, wrong vector dimension, ...) or it cannot be sent (a NaN component)",
            FAILED_PERMANENT),
    DOCUMENT_MISSING("the document to update is gone (404 document_missing_exception): permanent under MISSING_DOCUMENT=fail and for a failure record, transient under retry or upsert",
            FAILED_PERMANENT, FAILED_TRANSIENT),

    PIPELINE_STOPPED("the worker stopped before the item got in", FAILED_TRANSIENT),
    S3_UNREACHABLE("no usable answer from S3: connection refused or reset, timeout, body cut off", FAILED_TRANSIENT),
    S3_ACCESS_DENIED("S3 answered 401 or 403 that is no bucket_owner_mismatch (usually a bucket or IAM policy being fixed)",
            FAILED_TRANSIENT),
    S3_ERROR("S3 answered another error: throttling, 5xx, other 4xx", FAILED_TRANSIENT),
    FETCH_ERROR("an unexpected error in the fetch stage (a bug)", FAILED_TRANSIENT),
    INFERENCE_FAILED("the model failed on the batch", FAILED_TRANSIENT),
    STAGE_ERROR("a stage threw an Error (StackOverflowError, OutOfMemoryError from native code, ...): the item goes back to the queue",
            FAILED_TRANSIENT),
    DOCUMENT_LOOKUP_FAILED("lookup mode could not search for the document", FAILED_TRANSIENT),
    DOCUMENT_NOT_FOUND("lookup mode found no document for the key yet", FAILED_TRANSIENT),
    INDEX_UNREACHABLE("no HTTP answer from OpenSearch: connection refused, timeout, unreadable response", FAILED_TRANSIENT),
    INDEX_THROTTLED("OpenSearch answered 429: rejected execution, circuit breaker", FAILED_TRANSIENT),
    INDEX_UNAVAILABLE("OpenSearch answered 5xx or 408", FAILED_TRANSIENT),
    INDEX_ACCESS_DENIED("OpenSearch answered 401 or 403: credentials, permissions, an index block such as read-only after the disk flood stage",
            FAILED_TRANSIENT),
    INDEX_NOT_FOUND("OpenSearch answered 404 for something other than the document, e.g. index_not_found_exception", FAILED_TRANSIENT),
    INDEX_NOT_WRITABLE("the index cannot take writes: it is closed (index_closed_exception), or the alias has no write index;"
            + " while receiving is paused, also whatever else the probe finds in the way (a missing index, a mapping that no longer fits)",
            FAILED_TRANSIENT),
    VERSION_CONFLICT("409 version conflict left after retry_on_conflict", FAILED_TRANSIENT),
    INDEX_ERROR("any other failure to index: an unexpected status or an error in the index stage", FAILED_TRANSIENT),
    ENQUEUE_FAILED("backfill --enqueue: SQS refused the message", FAILED_TRANSIENT),

    SQS_UNREACHABLE("no answer from SQS: connection refused or reset, timeout"),
    SQS_ACCESS_DENIED("SQS answered 401 or 403, or no credentials were found (start-up retries it for STARTUP_ACCESS_DENIED_WAIT_SECONDS)"),
    QUEUE_NOT_FOUND("the queue does not exist (start-up stops at once)"),
    INDEX_MAPPING_CONFLICT("the index cannot hold the embeddings (a conflicting image_embedding mapping) or cannot be created (start-up stops at once)"),
    WRONG_PLATFORM("the jar's natives are for another platform than this JVM's (the linux-x86_64 jar on Graviton, or the "
            + "linux-aarch64 one on x86): the worker exits at once, status 2"),
    MODEL_INVALID("the model file is missing, unreadable, or does not match MODEL_SHA256, MODEL_NAME or VECTOR_DIMENSION (start-up stops at once)"),
    SQS_ERROR("SQS answered with an error (its code is in the detail: throttling, access denied, no such queue, ...)"),
    CACHE_ERROR("the DynamoDB embedding cache failed; items are embedded without it"),
    INTERNAL_ERROR("an unexpected exception: a bug, or a component that failed to close");

    private final String description;
    private final Set<Outcome.Kind> kinds;

    /** @param kinds the outcome kinds it can come with; none for the codes of log lines about something else */
    Reason(String description, Outcome.Kind... kinds) {
        this.description = description;
        this.kinds = EnumSet.noneOf(Outcome.Kind.class);
        this.kinds.addAll(Arrays.asList(kinds));
    }

    /** The reason as logs and metric tags name it: {@code object_not_found}, ... */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One line for operators, as in the README. */
    public String description() {
        return description;
    }

    /** The outcome kinds this reason can come with; empty for a code only other log lines use (receive failed, ...). */
    public Set<Outcome.Kind> kinds() {
        return EnumSet.copyOf(kinds);
    }

    public boolean allows(Outcome.Kind kind) {
        return kinds.contains(kind);
    }

    /** The README's table of reason codes (between the reason-codes markers), generated so it cannot drift. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| reason | outcome | meaning |\n|---|---|---|\n");
        for (Reason reason : values()) {
            table.append("| `").append(reason.code()).append("` | ")
                    .append(reason.kinds.isEmpty() ? "(log lines only)"
                            : String.join(", ", reason.kinds.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).toList()))
                    .append(" | ").append(reason.description.replace("|", "\\|")).append(" |\n");
        }
        return table.toString();
    }
}

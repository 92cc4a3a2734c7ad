package io.cis.worker.ops;

/** Every metric the worker publishes, named once. */
public final class MetricNames {

    private MetricNames() {
    }

    public static final String MESSAGES_RECEIVED = "cis.messages.received";
    public static final String MESSAGES_DELETED = "cis.messages.deleted";
    public static final String MESSAGES_REDELIVERED = "cis.messages.redelivered";
    public static final String MESSAGES_UNPARSEABLE = "cis.messages.unparseable";
    /** Tagged with outcome (indexed, skipped, failed_permanent, failed_transient) and reason (a core.Reason code). */
    public static final String ITEMS = "cis.items";
    public static final String CACHE_HITS = "cis.cache.hits";
    /** Of the cache hits, those found by the object's ETag before any download (see ImageHashes.fromETag). */
    public static final String CACHE_HITS_WITHOUT_DOWNLOAD = "cis.cache.hits.without.download";
    /** Cache hits by a notification's ETag that a HEAD found out of date (the key was overwritten since). */
    public static final String CACHE_HITS_STALE_ETAG = "cis.cache.hits.stale.etag";
    public static final String CACHE_MISSES = "cis.cache.misses";
    /** The in-process embedding cache (LOCAL_CACHE_ENTRIES): the cache tag of Micrometer's cache meters below. */
    public static final String LOCAL_EMBEDDING_CACHE = "local_embeddings";
    /** Micrometer's cache meters: look-ups tagged result=hit|miss, evictions (size bound), entries held. */
    public static final String CACHE_GETS = "cache.gets";
    public static final String CACHE_EVICTIONS = "cache.evictions";
    public static final String CACHE_SIZE = "cache.size";
    public static final String BATCH_SIZE = "cis.inference.batch.size";
    /** The start-up precision self-check's lowest bf16-to-fp32 cosine (NaN when it did not run). */
    public static final String MODEL_BF16_MIN_COSINE = "cis.model.bf16.min.cosine";
    /** Timer tagged with stage: fetch, cache, decode, inference, index. */
    public static final String STAGE_TIME = "cis.stage.time";
    /** Errors (StackOverflowError, OutOfMemoryError, ...) a stage caught, tagged with stage; its items go back to the queue. */
    public static final String STAGE_ERRORS = "cis.stage.errors";
    /** Indexed items whose documents OpenSearch found already holding the values sent (bulk "noop": a replay). */
    public static final String DOCUMENTS_UNCHANGED = "cis.documents.unchanged";
    public static final String ENQUEUE_TO_INDEXED = "cis.latency.enqueue.to.indexed";
    public static final String IN_FLIGHT_MESSAGES = "cis.messages.in.flight";
    /** Messages left for redelivery that SQS will move to the dead-letter queue (receive count reached maxReceiveCount). */
    public static final String MESSAGES_DLQ_BOUND = "cis.messages.dlq.bound";
    /** The queue's backlog as SQS reports it (ApproximateNumberOfMessages), polled every 30 s: the scaling signal. */
    public static final String QUEUE_MESSAGES_VISIBLE = "cis.queue.messages.visible";
    /** Messages received by some worker and not yet deleted (ApproximateNumberOfMessagesNotVisible), polled with the backlog. */
    public static final String QUEUE_MESSAGES_NOT_VISIBLE = "cis.queue.messages.not.visible";
    /** Visibility extensions (heartbeat) SQS did not accept, entry by entry; each is tried again on the next tick. */
    public static final String VISIBILITY_EXTENSION_FAILURES = "cis.visibility.extension.failures";
    /** Retries after a failed attempt, tagged with operation (s3_get, opensearch_bulk). */
    public static final String RETRIES = "cis.retries";
    /** 1 while receiving is paused because a service every item needs is down, tagged with service. */
    public static final String RECEIVE_PAUSED = "cis.receive.paused";
    /** Start-up checks of the services the worker needs, tagged with service and reason ("none": it answered). */
    public static final String STARTUP_ATTEMPTS = "cis.startup.attempts";
    /** Items admitted to the pipeline and not yet settled (bounded by the admission limit). */
    public static final String PIPELINE_ITEMS_INSIDE = "cis.pipeline.items.inside";

    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_REASON = "reason";
    public static final String TAG_STAGE = "stage";
    public static final String TAG_OPERATION = "operation";
    public static final String TAG_SERVICE = "service";
}

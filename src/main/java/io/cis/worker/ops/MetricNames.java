package io.cis.worker.ops;

/** Every metric the worker publishes, named once. */
public final class MetricNames {

    private MetricNames() {
    }

    public static final String MESSAGES_RECEIVED = "cis.messages.received";
    public static final String MESSAGES_DELETED = "cis.messages.deleted";
    public static final String MESSAGES_REDELIVERED = "cis.messages.redelivered";
    public static final String MESSAGES_UNPARSEABLE = "cis.messages.unparseable";
    /** Tagged with outcome (indexed, skipped, failed_permanent, failed_transient) and reason. */
    public static final String ITEMS = "cis.items";
    public static final String CACHE_HITS = "cis.cache.hits";
    public static final String CACHE_MISSES = "cis.cache.misses";
    public static final String BATCH_SIZE = "cis.inference.batch.size";
    /** Timer tagged with stage: fetch, cache, decode, inference, index. */
    public static final String STAGE_TIME = "cis.stage.time";
    public static final String ENQUEUE_TO_INDEXED = "cis.latency.enqueue.to.indexed";
    public static final String IN_FLIGHT_MESSAGES = "cis.messages.in.flight";
    /** Retries after a failed attempt, tagged with operation (s3_get, opensearch_bulk). */
    public static final String RETRIES = "cis.retries";
    /** 1 while receiving is paused because a service every item needs is down, tagged with service. */
    public static final String RECEIVE_PAUSED = "cis.receive.paused";

    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_REASON = "reason";
    public static final String TAG_STAGE = "stage";
    public static final String TAG_OPERATION = "operation";
    public static final String TAG_SERVICE = "service";
}

package io.cis.worker.pipeline;

import io.cis.worker.cache.CachedEmbedding;
import io.cis.worker.core.Outcome;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.SourceVersion;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One image on its way through the pipeline. Each stage fills in what it learned; the item is owned by one stage
 * at a time, handed over through the stages' blocking queues, so its fields need no locking.
 */
public final class WorkItem {

    private final S3ObjectRef object;
    private final String explicitDocumentId;
    private final Settlement settlement;
    private final long enqueuedAtMillis;
    private final AtomicBoolean settled = new AtomicBoolean();

    private byte[] bytes;
    private String imageHash;
    private float[] pixels;
    private CachedEmbedding embedding;
    private boolean cacheHit;
    private boolean downloaded;
    private Outcome permanentFailure;
    private String documentId;
    private boolean documentUnchanged;
    private Instant sourceModified;

    public WorkItem(S3ObjectRef object, String explicitDocumentId, Settlement settlement, long enqueuedAtMillis) {
        this.object = object;
        this.explicitDocumentId = explicitDocumentId;
        this.settlement = settlement;
        this.enqueuedAtMillis = enqueuedAtMillis;
    }

    public S3ObjectRef object() {
        return object;
    }

    public String s3Url() {
        return object.s3Url();
    }

    /** The document id the message named itself (the old worker's {"id", "s3_url"} form), or null. */
    public String explicitDocumentId() {
        return explicitDocumentId;
    }

    /** When the notification was sent (or the backfill selected the item), for enqueue-to-indexed latency. */
    public long enqueuedAtMillis() {
        return enqueuedAtMillis;
    }

    public byte[] bytes() {
        return bytes;
    }

    public String imageHash() {
        return imageHash;
    }

    /** Before any download: the MD5 the object's ETag states, tried as the cache key (see Pipeline#submit). */
    void hashFromETag(String imageHash) {
        this.imageHash = imageHash;
    }

    /** The object's bytes, their MD5 (which replaces whatever the ETag stated) and its Last-Modified. */
    void fetched(byte[] bytes, String imageHash, Instant lastModified) {
        this.bytes = bytes;
        this.imageHash = imageHash;
        this.downloaded = true;
        this.sourceModified = lastModified;
    }

    /** A HEAD found the object still holding the content its ETag named, last modified then. */
    void confirmedCurrent(Instant lastModified) {
        this.sourceModified = lastModified;
    }

    /**
     * Where the picture this item writes stands in its key's history: the notification's sequencer and the
     * Last-Modified the GET or HEAD returned (either may be unknown).
     */
    public SourceVersion sourceVersion() {
        return SourceVersion.of(object.sequencer(), sourceModified);
    }

    /** Whether the object was downloaded; false for a cache hit found by its ETag. */
    public boolean downloaded() {
        return downloaded;
    }

    public float[] pixels() {
        return pixels;
    }

    void preprocessed(float[] pixels) {
        this.pixels = pixels;
        this.bytes = null; // the encoded image is no longer needed: let it go before inference
    }

    public float[] embedding() {
        return embedding == null ? null : embedding.vector();
    }

    /**
     * When the embedding was computed, to whole seconds: the cache entry's time for a hit. Written to the document,
     * so writing the same embedding again leaves the document unchanged.
     */
    public Instant embeddedAt() {
        return embedding == null ? null : embedding.createdAt();
    }

    /** The embedding with its time, as the cache keeps it; null before the item is embedded. */
    CachedEmbedding cachedEmbedding() {
        return embedding;
    }

    public boolean cacheHit() {
        return cacheHit;
    }

    void embedded(CachedEmbedding embedding, boolean fromCache) {
        this.embedding = embedding;
        this.cacheHit = fromCache;
        this.pixels = null;
        this.bytes = null;
    }

    /** How this item failed permanently before indexing (to be recorded on its document), or null. */
    public Outcome permanentFailure() {
        return permanentFailure;
    }

    void failedPermanently(Outcome failure) {
        if (failure.kind() != Outcome.Kind.FAILED_PERMANENT) {
            throw new IllegalArgumentException("not a permanent failure: " + failure);
        }
        this.permanentFailure = failure;
        this.bytes = null;
        this.pixels = null;
    }

    /** The document this item updated, once the indexer resolved it (null before, or if none was found). */
    public String documentId() {
        return documentId;
    }

    void resolvedDocumentId(String documentId) {
        this.documentId = documentId;
    }

    /**
     * Whether OpenSearch found every document this item wrote already holding the values sent and wrote nothing
     * (a bulk "noop": a replayed image). False until the indexer says so, and for any item not indexed.
     */
    public boolean documentUnchanged() {
        return documentUnchanged;
    }

    void documentUnchanged(boolean unchanged) {
        this.documentUnchanged = unchanged;
    }

    /** Reports the outcome once; later calls are ignored so a stage error can never settle an item twice. */
    boolean settle(Outcome outcome) {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        settlement.settle(this, outcome);
        return true;
    }

    public boolean isSettled() {
        return settled.get();
    }
}

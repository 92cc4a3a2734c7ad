package io.cis.worker.pipeline;

import io.cis.worker.core.BatchCollector;
import io.cis.worker.cache.CachedEmbedding;
import io.cis.worker.cache.EmbeddingCache;
import io.cis.worker.cache.ImageHashes;
import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.embed.BatchEmbedder;
import io.cis.worker.fetch.FetchException;
import io.cis.worker.fetch.FetchedObject;
import io.cis.worker.fetch.ObjectHead;
import io.cis.worker.fetch.ObjectFetcher;
import io.cis.worker.image.ImageDecodeException;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The stages wired together: fetch -> cache lookup -> decode + preprocess -> batched inference -> bulk index ->
 * settle. One admission semaphore bounds how many items are inside at once, so memory is bounded by configuration,
 * never by the backlog; {@link #submit} blocks when the pipeline is full, which stops the source.
 *
 * <p>An object whose ETag states its MD5 ({@link ImageHashes#fromETag}) is looked up by it first, before any
 * download: a hit goes to the index stage once a HEAD confirms the object still holds that content, a miss is
 * fetched. After a download the cache is asked again by
 * the real MD5 only if it differs from the one already asked (an encrypted object's ETag), so each item costs one
 * lookup either way. Only the MD5 of downloaded bytes is ever stored.
 *
 * <p>Every stage settles its items whatever it catches. An Error (a StackOverflowError in a decoder, an
 * OutOfMemoryError thrown by native code) fails them transiently, so their messages go back to the queue; left
 * unsettled they would hold their admission permits and keep their messages in flight until VISIBILITY_MAX_TOTAL.
 * An OutOfMemoryError is rethrown after that: the thread it kills is reported to {@link #onThreadDied}, like any
 * stage thread that dies, and the worker stops.
 */
public final class Pipeline implements AutoCloseable {

    /** Sizes of the pools and batches. */
    public record Limits(int capacity, int fetchThreads, int decodeThreads, int inferenceThreads, int batchMaxSize,
                         Duration batchMaxWait, int cacheLookupBatchSize) {
        public Limits {
            if (capacity < 1 || fetchThreads < 1 || decodeThreads < 1 || inferenceThreads < 1 || batchMaxSize < 1
                    || cacheLookupBatchSize < 1) {
                throw new IllegalArgumentException("pipeline limits must be positive: " + this);
            }
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final long POLL_MILLIS = 200;

    private final ObjectFetcher fetcher;
    private final EmbeddingCache cache;
    private final ImagePreprocessing preprocessing;
    private final Supplier<BatchEmbedder> embedders;
    private final DocumentIndexer indexer;
    private final OutcomeLog outcomes;
    private final Limits limits;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final Counter cacheHits;
    private final Counter cacheHitsWithoutDownload;
    private final Counter cacheMisses;
    private final Counter staleETags;

    private final Semaphore admission;
    private final ExecutorService fetchPool;
    private final ExecutorService decodePool;
    private final BlockingQueue<WorkItem> lookupQueue = new LinkedBlockingQueue<>();
    private final BlockingQueue<WorkItem> inferenceQueue = new LinkedBlockingQueue<>();
    private final BlockingQueue<WorkItem> indexQueue = new LinkedBlockingQueue<>();
    private final List<Thread> stageThreads = new ArrayList<>();
    private final AtomicInteger inside = new AtomicInteger();
    private volatile boolean running;
    private volatile Consumer<String> onThreadDied = thread -> { };

    private final Timer fetchTime;
    private final Timer headTime;
    private final Timer cacheTime;
    private final Timer decodeTime;
    private final Timer inferenceTime;
    private final Timer indexTime;
    private final DistributionSummary batchSizes;
    /** By stage, registered at zero so an alert on their rate works from the start. */
    private final Map<String, Counter> stageErrors = new HashMap<>();

    public Pipeline(ObjectFetcher fetcher, EmbeddingCache cache, ImagePreprocessing preprocessing,
                    Supplier<BatchEmbedder> embedders, DocumentIndexer indexer, OutcomeLog outcomes, Limits limits,
                    MeterRegistry metrics, Clock clock) {
        this.fetcher = fetcher;
        this.cache = cache;
        this.preprocessing = preprocessing;
        this.embedders = embedders;
        this.indexer = indexer;
        this.outcomes = outcomes;
        this.limits = limits;
        this.metrics = metrics;
        this.clock = clock;
        this.admission = new Semaphore(limits.capacity());
        this.fetchPool = Executors.newFixedThreadPool(limits.fetchThreads(), named("fetch"));
        this.decodePool = Executors.newFixedThreadPool(limits.decodeThreads(), named("decode"));
        this.fetchTime = stageTimer("fetch");
        this.headTime = stageTimer("head");
        this.cacheTime = stageTimer("cache");
        this.decodeTime = stageTimer("decode");
        this.inferenceTime = stageTimer("inference");
        this.indexTime = stageTimer("index");
        for (String stage : List.of("fetch", "cache", "decode", "inference", "index")) {
            stageErrors.put(stage, Counter.builder(MetricNames.STAGE_ERRORS).tag(MetricNames.TAG_STAGE, stage).register(metrics));
        }
        this.batchSizes = DistributionSummary.builder(MetricNames.BATCH_SIZE)
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32).register(metrics);
        metrics.gauge(MetricNames.PIPELINE_ITEMS_INSIDE, inside);
        this.cacheHits = metrics.counter(MetricNames.CACHE_HITS);
        this.cacheHitsWithoutDownload = metrics.counter(MetricNames.CACHE_HITS_WITHOUT_DOWNLOAD);
        this.cacheMisses = metrics.counter(MetricNames.CACHE_MISSES);
        this.staleETags = metrics.counter(MetricNames.CACHE_HITS_STALE_ETAG);
    }

    private Timer stageTimer(String stage) {
        return Timer.builder(MetricNames.STAGE_TIME).tag(MetricNames.TAG_STAGE, stage).register(metrics);
    }

    private java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> reportingDeath(new Thread(r, prefix + "-" + n.getAndIncrement()));
    }

    /** A stage thread that dies stops its stage for good: whoever runs the pipeline must know (and stop). */
    private Thread reportingDeath(Thread thread) {
        thread.setUncaughtExceptionHandler((t, e) -> {
            log.error("pipeline thread died", kv("thread", t.getName()), kv("reason", Reason.INTERNAL_ERROR.code()),
                    kv("detail", e.toString()), e);
            onThreadDied.accept(t.getName() + ": " + e);
        });
        return thread;
    }

    /** Told (once per thread, with its name and what killed it) when a stage thread dies; set before {@link #start}. */
    public void onThreadDied(Consumer<String> listener) {
        this.onThreadDied = listener;
    }

    public void start() {
        running = true;
        startStage("cache-lookup", this::lookupLoop);
        for (int i = 0; i < limits.inferenceThreads(); i++) {
            startStage("inference-" + i, this::inferenceLoop);
        }
        startStage("index", this::indexLoop);
    }

    private void startStage(String name, Runnable loop) {
        Thread thread = reportingDeath(new Thread(loop, name));
        stageThreads.add(thread);
        thread.start();
    }

    /** Hands an item to the pipeline, waiting while it is full. */
    public void submit(WorkItem item) throws InterruptedException {
        admission.acquire();
        inside.incrementAndGet();
        String eTagHash = ImageHashes.fromETag(item.object().eTag());
        if (eTagHash != null) {
            item.hashFromETag(eTagHash);
            lookupQueue.add(item);
            return;
        }
        try {
            fetch(item);
        } catch (RuntimeException e) {
            finish(item, Outcome.transientFailure(Reason.PIPELINE_STOPPED, e.toString()));
            throw e;
        }
    }

    /**
     * Hands in an item already known to have failed permanently (e.g. over the size limit), so the failure is still
     * recorded on its document by the index stage.
     */
    public void submitFailure(WorkItem item, Outcome failure) throws InterruptedException {
        admission.acquire();
        inside.incrementAndGet();
        item.failedPermanently(failure);
        indexQueue.add(item);
    }

    /** Settles an item that never entered the stages (a skip or a failure decided from the notification alone). */
    public void settleDirectly(WorkItem item, Outcome outcome) {
        outcomes.record(item, outcome);
        item.settle(outcome);
    }

    /** Items submitted and not yet settled. */
    public int inside() {
        return inside.get();
    }

    /** Waits until every submitted item has settled, or the timeout passes; true if empty. */
    public boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inside.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return inside.get() == 0;
    }

    private void fetch(WorkItem item) {
        fetchPool.execute(() -> fetchStage(item));
    }

    private void fetchStage(WorkItem item) {
        long start = System.nanoTime();
        try {
            FetchedObject object = fetcher.fetch(item.object());
            String askedByETag = item.imageHash(); // set only when the ETag's MD5 was looked up
            item.fetched(object.bytes(), object.md5Hex(), object.lastModified());
            if (object.md5Hex().equals(askedByETag)) {
                decode(item); // the same key already missed: no second lookup
            } else {
                lookupQueue.add(item);
            }
        } catch (FetchException e) {
            fetchFailed(item, e);
        } catch (RuntimeException e) {
            finish(item, Outcome.transientFailure(Reason.FETCH_ERROR, e.toString()));
        } catch (Error e) {
            settleAfterError("fetch", List.of(item), e);
        } finally {
            fetchTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A cache hit found by the notification's ETag is used only while the object still holds that content: a late
     * or repeated notification of a key that has since been overwritten (or deleted) must not bring the old
     * picture's vector back. A HEAD (no body) tells; if the content changed, what the key holds now is downloaded
     * and embedded instead, as if the notification had carried no ETag. The write is ordered by the object's
     * version as well (BulkActions), which covers a change between this HEAD and the write.
     */
    private void confirmStage(WorkItem item, CachedEmbedding cached) {
        long start = System.nanoTime();
        try {
            ObjectHead head = fetcher.head(item.object());
            headTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (item.object().eTag().equalsIgnoreCase(head.eTag())) {
                item.confirmedCurrent(head.lastModified());
                useCacheHit(item, cached);
            } else {
                staleETags.increment();
                fetchStage(item);
            }
        } catch (FetchException e) {
            fetchFailed(item, e);
        } catch (RuntimeException e) {
            finish(item, Outcome.transientFailure(Reason.FETCH_ERROR, e.toString()));
        } catch (Error e) {
            settleAfterError("fetch", List.of(item), e); // the HEAD runs on the fetch pool
        }
    }

    /** A permanent failure is still recorded on the document (by the index stage); a transient one hands it back. */
    private void fetchFailed(WorkItem item, FetchException e) {
        if (e.isPermanent()) {
            item.failedPermanently(e.outcome());
            indexQueue.add(item);
        } else {
            finish(item, e.outcome());
        }
    }

    private void lookupLoop() {
        BatchCollector<WorkItem> batches = new BatchCollector<>(lookupQueue, limits.cacheLookupBatchSize(), Duration.ofMillis(2));
        while (running) {
            List<WorkItem> batch = nextBatch(batches);
            if (batch.isEmpty()) {
                continue;
            }
            Map<String, CachedEmbedding> hits;
            try {
                hits = lookup(batch);
            } catch (Error e) {
                settleAfterError("cache", batch, e);
                continue;
            }
            for (WorkItem item : batch) {
                CachedEmbedding cached = hits.get(item.imageHash());
                if (cached != null && !item.downloaded()) {
                    fetchPool.execute(() -> confirmStage(item, cached));
                } else if (cached != null) {
                    useCacheHit(item, cached);
                } else if (!item.downloaded()) {
                    fetch(item); // looked up by its ETag: download it now
                } else {
                    decode(item);
                }
            }
        }
    }

    private void useCacheHit(WorkItem item, CachedEmbedding cached) {
        item.embedded(cached.copy(), true); // items of one batch may share a hash
        cacheHits.increment();
        if (!item.downloaded()) {
            cacheHitsWithoutDownload.increment();
        }
        indexQueue.add(item);
    }

    private Map<String, CachedEmbedding> lookup(List<WorkItem> batch) {
        long start = System.nanoTime();
        try {
            LinkedHashSet<String> hashes = new LinkedHashSet<>();
            batch.forEach(item -> hashes.add(item.imageHash()));
            return cache.lookup(hashes);
        } catch (RuntimeException e) {
            // The cache only saves work; when it fails, embed everything.
            log.warn("cache lookup failed, embedding instead", kv("reason", Reason.CACHE_ERROR.code()), kv("detail", e.toString()));
            return Map.of();
        } finally {
            cacheTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** A cache miss: decode, preprocess and embed it. */
    private void decode(WorkItem item) {
        cacheMisses.increment();
        decodePool.execute(() -> decodeStage(item));
    }

    private void decodeStage(WorkItem item) {
        long start = System.nanoTime();
        try {
            item.preprocessed(preprocessing.preprocess(item.bytes()));
            inferenceQueue.add(item);
        } catch (Exception e) {
            item.failedPermanently(decodeFailure(e));
            indexQueue.add(item);
        } catch (Error e) {
            settleAfterError("decode", List.of(item), e);
        } finally {
            decodeTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** image_truncated with "JPEG data ends early ...": the decoder's reason as a code, its message as the detail. */
    static Outcome decodeFailure(Exception e) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Reason reason = e instanceof ImageDecodeException decode ? switch (decode.reason()) {
            case EMPTY -> Reason.IMAGE_EMPTY;
            case UNSUPPORTED_FORMAT -> Reason.IMAGE_UNSUPPORTED_FORMAT;
            case CORRUPT -> Reason.IMAGE_CORRUPT;
            case TRUNCATED -> Reason.IMAGE_TRUNCATED;
            case TOO_LARGE -> Reason.IMAGE_TOO_LARGE;
        } : Reason.IMAGE_UNREADABLE;
        return Outcome.permanent(reason, detail);
    }

    private void inferenceLoop() {
        BatchCollector<WorkItem> batches = new BatchCollector<>(inferenceQueue, limits.batchMaxSize(), limits.batchMaxWait());
        try (BatchEmbedder embedder = embedders.get()) {
            while (running) {
                List<WorkItem> batch = nextBatch(batches);
                if (!batch.isEmpty()) {
                    embedBatch(embedder, batch);
                }
            }
        }
    }

    private void embedBatch(BatchEmbedder embedder, List<WorkItem> batch) {
        long start = System.nanoTime();
        try {
            List<float[]> pixels = batch.stream().map(WorkItem::pixels).toList();
            float[][] vectors = embedder.embed(pixels);
            Instant computedAt = clock.instant();
            batchSizes.record(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                indexQueue.add(embedded(batch.get(i), new CachedEmbedding(vectors[i], computedAt)));
            }
        } catch (RuntimeException e) {
            log.error("inference failed", kv("batch_size", batch.size()), kv("reason", Reason.INFERENCE_FAILED.code()),
                    kv("detail", e.toString()));
            batch.forEach(item -> finish(item, Outcome.transientFailure(Reason.INFERENCE_FAILED, e.getMessage())));
        } catch (Error e) {
            settleAfterError("inference", batch, e);
        } finally {
            inferenceTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Gives the item its new embedding, or fails it permanently when a component is NaN or infinite: checked here,
     * before anything keeps it, because a cached bad vector would be the answer for every later copy of the picture
     * and the index cannot take it. The failure is recorded on the document like any other permanent one.
     */
    private static WorkItem embedded(WorkItem item, CachedEmbedding embedding) {
        int nonFinite = embedding.firstNonFiniteComponent();
        if (nonFinite < 0) {
            item.embedded(embedding, false);
        } else {
            item.failedPermanently(Outcome.permanent(Reason.EMBEDDING_NOT_FINITE, "component " + nonFinite + " of "
                    + embedding.vector().length + " is " + embedding.vector()[nonFinite]));
        }
        return item;
    }

    private void indexLoop() {
        BatchCollector<WorkItem> batches = new BatchCollector<>(indexQueue, Math.max(limits.batchMaxSize(), 16),
                limits.batchMaxWait());
        while (running) {
            List<WorkItem> batch = nextBatch(batches);
            if (batch.isEmpty()) {
                continue;
            }
            List<Outcome> results;
            try {
                storeNewEmbeddings(batch);
                results = index(batch);
            } catch (Error e) {
                settleAfterError("index", batch, e);
                continue;
            }
            for (int i = 0; i < batch.size(); i++) {
                finish(batch.get(i), results.get(i));
            }
        }
    }

    private List<Outcome> index(List<WorkItem> batch) {
        long start = System.nanoTime();
        try {
            return indexer.index(batch);
        } catch (RuntimeException e) {
            log.warn("bulk index failed", kv("batch_size", batch.size()), kv("reason", Reason.INDEX_ERROR.code()),
                    kv("detail", e.toString()));
            return batch.stream().map(i -> Outcome.transientFailure(Reason.INDEX_ERROR, e.getMessage())).toList();
        } finally {
            indexTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private void storeNewEmbeddings(List<WorkItem> batch) {
        Map<String, CachedEmbedding> fresh = new HashMap<>();
        for (WorkItem item : batch) {
            if (item.embedding() != null && !item.cacheHit()) {
                // With the time the document gets, so a later hit writes the same document.
                fresh.put(item.imageHash(), item.cachedEmbedding());
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            cache.store(fresh);
        } catch (RuntimeException e) {
            log.warn("cache store failed", kv("entries", fresh.size()), kv("reason", Reason.CACHE_ERROR.code()),
                    kv("detail", e.toString()));
        } finally {
            cacheTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private List<WorkItem> nextBatch(BatchCollector<WorkItem> batches) {
        try {
            return batches.next(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return List.of();
        }
    }

    /**
     * A stage caught an Error: its items fail transiently (their messages go back to the queue) and it goes on with
     * the next. An OutOfMemoryError is rethrown once they are settled, to end the process as ExitOnOutOfMemoryError
     * intends (that flag only covers the JVM's own allocation failures, not one thrown by native code).
     */
    private void settleAfterError(String stage, List<WorkItem> items, Error e) {
        log.error("error in pipeline stage, items go back to the queue", kv("stage", stage), kv("items", items.size()),
                kv("s3_url", items.size() == 1 ? items.get(0).s3Url() : null),
                kv("reason", Reason.STAGE_ERROR.code()), kv("detail", e.toString()), e);
        stageErrors.get(stage).increment();
        items.forEach(item -> finish(item, Outcome.transientFailure(Reason.STAGE_ERROR, e.toString())));
        if (e instanceof OutOfMemoryError) {
            throw e;
        }
    }

    private void finish(WorkItem item, Outcome outcome) {
        try {
            outcomes.record(item, outcome);
            item.settle(outcome);
        } finally {
            // Whatever the recording or the message's settlement threw, the slot is free again.
            inside.decrementAndGet();
            admission.release();
        }
    }

    /** Stops every stage at once; items still inside stay unsettled (their messages are handed back by the source). */
    @Override
    public void close() {
        running = false;
        fetchPool.shutdownNow();
        decodePool.shutdownNow();
        stageThreads.forEach(Thread::interrupt);
        for (Thread thread : stageThreads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

package io.cis.worker.pipeline;


import io.cis.worker.ops.OutcomeCounters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.cache.CachedEmbedding;
import io.cis.worker.cache.EmbeddingCache;
import io.cis.worker.cache.ImageHashes;
import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.embed.BatchEmbedder;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.fetch.FetchException;
import io.cis.worker.fetch.FetchedObject;
import io.cis.worker.fetch.ObjectFetcher;
import io.cis.worker.fetch.ObjectHead;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.testing.MutableClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stages wired with in-memory fakes: routing, outcomes and bounds, no servers. */
class PipelineTest {

    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    /** When a test's cache entries were computed, long before the pipeline's clock. */
    private static final Instant CACHED_AT = Instant.parse("2024-06-01T12:00:00Z");
    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-04T05:06:07.890Z"));
    private final Map<String, CachedEmbedding> cacheEntries = new ConcurrentHashMap<>();
    private final AtomicInteger imagesEmbedded = new AtomicInteger();
    private final List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<WorkItem> indexed = java.util.Collections.synchronizedList(new ArrayList<>());
    private Pipeline pipeline;

    private final AtomicInteger downloads = new AtomicInteger();
    private final AtomicInteger heads = new AtomicInteger();
    private final AtomicInteger lookups = new AtomicInteger();
    private final MeterRegistry metrics = new SimpleMeterRegistry();

    /** Object content is the key itself, so identical keys in two buckets have identical bytes and hashes. */
    private final ObjectFetcher fetcher = new ObjectFetcher() {
        @Override
        public FetchedObject fetch(S3ObjectRef object) throws FetchException {
            downloads.incrementAndGet();
            failIfAsked(object);
            byte[] bytes = object.key().getBytes(StandardCharsets.UTF_8);
            return new FetchedObject(bytes, ImageHashes.md5Hex(bytes), null);
        }

        @Override
        public ObjectHead head(S3ObjectRef object) throws FetchException {
            heads.incrementAndGet();
            failIfAsked(object);
            return new ObjectHead(ImageHashes.md5Hex(object.key().getBytes(StandardCharsets.UTF_8)), null);
        }

        private void failIfAsked(S3ObjectRef object) throws FetchException {
            if (object.key().startsWith("missing")) {
                throw FetchException.permanent(Reason.OBJECT_NOT_FOUND, "NoSuchKey", null);
            }
            if (object.key().startsWith("flaky")) {
                throw FetchException.transientFailure(Reason.S3_ERROR, "HTTP 503", null);
            }
        }
    };

    private final EmbeddingCache cache = new EmbeddingCache() {
        @Override
        public Map<String, CachedEmbedding> lookup(Collection<String> hashes) {
            lookups.addAndGet(hashes.size());
            Map<String, CachedEmbedding> hits = new java.util.HashMap<>();
            hashes.forEach(h -> {
                if (cacheEntries.containsKey(h)) {
                    hits.put(h, cacheEntries.get(h));
                }
            });
            return hits;
        }

        @Override
        public void store(Map<String, CachedEmbedding> embeddings) {
            cacheEntries.putAll(embeddings);
        }
    };

    private final ImagePreprocessing preprocessing = bytes -> {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.startsWith("corrupt")) {
            throw new IllegalArgumentException("corrupt_image: not a JPEG");
        }
        if (text.startsWith("nan")) {
            return new float[]{Float.NaN}; // and so its vector is {NaN, 1}
        }
        if (text.startsWith("deep")) {
            throw new StackOverflowError(); // a decoder recursing without end
        }
        if (text.startsWith("native-oom")) {
            throw new OutOfMemoryError("native decoder could not allocate"); // thrown by native code, not the JVM
        }
        if (text.startsWith("model-error")) {
            return new float[]{-1};
        }
        if (text.startsWith("model-oom")) {
            return new float[]{-2};
        }
        return new float[]{text.length()};
    };

    private BatchEmbedder embedder() {
        return new BatchEmbedder() {
            @Override
            public float[][] embed(List<float[]> pixels) {
                if (pixels.stream().anyMatch(p -> p[0] == -1)) {
                    throw new InternalError("libtorch: illegal instruction");
                }
                if (pixels.stream().anyMatch(p -> p[0] == -2)) {
                    throw new OutOfMemoryError("libtorch could not allocate the batch's tensors");
                }
                batchSizes.add(pixels.size());
                imagesEmbedded.addAndGet(pixels.size());
                return pixels.stream().map(p -> new float[]{p[0], 1}).toArray(float[][]::new);
            }

            @Override
            public void close() {
            }
        };
    }

    private final DocumentIndexer indexer = batch -> {
        indexed.addAll(batch);
        return batch.stream().map(item -> item.permanentFailure() != null
                ? item.permanentFailure() : Outcome.indexed()).toList();
    };

    private final List<String> deadThreads = java.util.Collections.synchronizedList(new ArrayList<>());

    private void start(int capacity) {
        start(capacity, this::embedder);
    }

    private void start(int capacity, java.util.function.Supplier<BatchEmbedder> embedders) {
        pipeline = new Pipeline(fetcher, cache, preprocessing, embedders, indexer,
                new OutcomeLog(new OutcomeCounters(new SimpleMeterRegistry()), new SimpleMeterRegistry(), Clock.systemUTC()),
                new Pipeline.Limits(capacity, 2, 2, 1, 4, Duration.ofMillis(20), 100), metrics, clock);
        pipeline.onThreadDied(deadThreads::add);
        pipeline.start();
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private WorkItem submit(String bucket, String key) throws InterruptedException {
        return submit(bucket, key, null);
    }

    private WorkItem submit(String bucket, String key, String eTag) throws InterruptedException {
        WorkItem item = new WorkItem(new S3ObjectRef(bucket, key, null, null, eTag), null,
                (i, outcome) -> outcomes.put(i.s3Url(), outcome), System.currentTimeMillis());
        pipeline.submit(item);
        return item;
    }

    @Test
    void everyItemEndsWithTheRightOutcome() throws Exception {
        start(8);
        submit("b", "good.jpg");
        submit("b", "missing.jpg");
        submit("b", "flaky.jpg");
        submit("b", "corrupt.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));
        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/good.jpg").kind());
        assertEquals(Outcome.permanent(Reason.OBJECT_NOT_FOUND, "NoSuchKey"), outcomes.get("s3://b/missing.jpg"));
        assertEquals(Outcome.Kind.FAILED_TRANSIENT, outcomes.get("s3://b/flaky.jpg").kind());
        assertEquals(Outcome.permanent(Reason.IMAGE_UNREADABLE, "corrupt_image: not a JPEG"), outcomes.get("s3://b/corrupt.jpg"));
        assertEquals(Outcome.permanent(Reason.IMAGE_TRUNCATED, "ends early"), Pipeline.decodeFailure(new io.cis.worker.image.ImageDecodeException(
                io.cis.worker.image.ImageDecodeException.Reason.TRUNCATED, "ends early")));
        // Permanent failures pass through the index stage so the reason is recorded on the document.
        assertEquals(3, indexed.size());
    }

    @Test
    void aNonFiniteVectorFailsItsItemPermanentlyAndIsNeitherCachedNorIndexed() throws Exception {
        start(8);
        WorkItem bad = submit("b", "nan.jpg");
        WorkItem good = submit("b", "fine.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(Outcome.permanent(Reason.EMBEDDING_NOT_FINITE, "component 0 of 2 is NaN"),
                outcomes.get("s3://b/nan.jpg"));
        assertNull(bad.embedding(), "no vector goes to the index");
        assertTrue(indexed.contains(bad), "the failure goes through the index stage to be recorded on the document");
        assertEquals(bad.permanentFailure(), outcomes.get("s3://b/nan.jpg"));
        assertFalse(cacheEntries.containsKey(md5("nan.jpg")), "never stored in the cache");
        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/fine.jpg").kind());
        assertArrayEquals(good.embedding(), cacheEntries.get(md5("fine.jpg")).vector());

        // The same picture again is embedded again (and fails again), not answered with the bad vector.
        WorkItem again = submit("c", "nan.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));
        assertFalse(again.cacheHit());
        assertEquals(3, imagesEmbedded.get());
        assertEquals(Reason.EMBEDDING_NOT_FINITE, outcomes.get("s3://c/nan.jpg").reason());
    }

    @Test
    void aCacheHitSkipsInferenceAndGivesTheSameVector() throws Exception {
        start(8);
        WorkItem first = submit("a", "same.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));
        WorkItem second = submit("b", "same.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));
        assertEquals(1, imagesEmbedded.get());
        assertTrue(second.cacheHit());
        assertEquals(java.util.Arrays.toString(first.embedding()), java.util.Arrays.toString(second.embedding()));
        assertNull(second.pixels());
    }

    @Test
    void aFreshEmbeddingIsDatedToTheSecondAndALaterHitCarriesThatSameTime() throws Exception {
        start(8);
        WorkItem first = submit("a", "same.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));
        clock.advance(Duration.ofHours(5));
        WorkItem replay = submit("a", "same.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        Instant computed = Instant.parse("2025-03-04T05:06:07Z");
        assertEquals(computed, first.embeddedAt(), "the clock's time, whole seconds");
        assertEquals(computed, cacheEntries.get(md5("same.jpg")).createdAt(), "stored with the time the document got");
        assertTrue(replay.cacheHit());
        assertEquals(computed, replay.embeddedAt(), "when it was computed, not when it was replayed");
    }

    @Test
    void aCacheHitCarriesTheEntrysTimeNotTheClocks() throws Exception {
        start(8);
        cacheEntries.put(md5("old.jpg"), new CachedEmbedding(new float[]{3f, 3f}, CACHED_AT));
        WorkItem item = submit("b", "old.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertTrue(item.cacheHit());
        assertEquals(CACHED_AT, item.embeddedAt());
        assertEquals(CACHED_AT, cacheEntries.get(md5("old.jpg")).createdAt(), "a hit is not stored again");
    }

    @Test
    void imagesAreEmbeddedInBatchesNoLargerThanTheMaximum() throws Exception {
        start(64);
        for (int i = 0; i < 40; i++) {
            submit("b", "img-" + i + ".jpg");
        }
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(20)));
        assertEquals(40, imagesEmbedded.get());
        assertTrue(batchSizes.stream().allMatch(n -> n <= 4), batchSizes.toString());
        assertTrue(batchSizes.stream().anyMatch(n -> n > 1), "items arriving together share a batch: " + batchSizes);
    }

    @Test
    void submitBlocksWhileThePipelineIsFull() throws Exception {
        start(1);
        pipeline.close(); // stages stopped: the one admitted item can never leave
        pipeline = new Pipeline(fetcher, cache, preprocessing, this::embedder, indexer,
                new OutcomeLog(new OutcomeCounters(new SimpleMeterRegistry()), new SimpleMeterRegistry(), Clock.systemUTC()),
                new Pipeline.Limits(1, 1, 1, 1, 4, Duration.ofMillis(20), 100), new SimpleMeterRegistry(), clock);
        submit("b", "first.jpg");
        Thread second = new Thread(() -> {
            try {
                submit("b", "second.jpg");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        second.start();
        second.join(300);
        assertTrue(second.isAlive(), "the second submit must wait for room");
        pipeline.start();
        second.join(10_000);
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));
        assertEquals(2, outcomes.size());
    }

    private static String md5(String content) {
        return ImageHashes.md5Hex(content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anETagStatingTheMd5FindsTheCachedVectorWithoutADownload() throws Exception {
        start(8);
        float[] cached = {42f, 1f};
        cacheEntries.put(md5("photo.jpg"), new CachedEmbedding(cached, CACHED_AT));
        // As ListObjectsV2 and HeadObject give it: quoted; hex case does not matter.
        WorkItem item = submit("b", "photo.jpg", "\"" + md5("photo.jpg").toUpperCase(java.util.Locale.ROOT) + "\"");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/photo.jpg").kind());
        assertEquals(0, downloads.get());
        assertEquals(1, heads.get(), "a HEAD confirms the object still holds that content");
        assertTrue(item.cacheHit());
        assertFalse(item.downloaded());
        assertEquals(md5("photo.jpg"), item.imageHash(), "the document's image_hash is the MD5 the ETag stated");
        assertArrayEquals(cached, item.embedding());
        assertEquals(0, imagesEmbedded.get());
        assertEquals(1.0, metrics.counter(MetricNames.CACHE_HITS_WITHOUT_DOWNLOAD).count());
    }

    @Test
    void anETagHitOfAKeyOverwrittenSinceIsNotUsedAndTheCurrentPictureIsEmbedded() throws Exception {
        start(8);
        // A late notification of the key's old picture: its ETag names content the cache holds, but the key now
        // holds other bytes (the HEAD says so). Today's picture is downloaded and embedded, never the old vector.
        String oldPicture = md5("the old picture");
        cacheEntries.put(oldPicture, new CachedEmbedding(new float[]{-7f, -7f}, CACHED_AT));
        WorkItem item = submit("b", "photo.jpg", oldPicture);
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/photo.jpg").kind());
        assertEquals(1, heads.get());
        assertEquals(1, downloads.get());
        assertFalse(item.cacheHit());
        assertEquals(md5("photo.jpg"), item.imageHash());
        assertArrayEquals(new float[]{"photo.jpg".length(), 1}, item.embedding());
        assertEquals(1.0, metrics.counter(MetricNames.CACHE_HITS_STALE_ETAG).count());
        assertEquals(0.0, metrics.counter(MetricNames.CACHE_HITS_WITHOUT_DOWNLOAD).count());
    }

    @Test
    void anETagHitOfADeletedObjectFailsAsNotFoundWithoutTheCachedVector() throws Exception {
        start(8);
        cacheEntries.put(md5("gone"), new CachedEmbedding(new float[]{5f, 5f}, CACHED_AT));
        WorkItem item = submit("b", "missing-photo.jpg", md5("gone"));
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        Outcome outcome = outcomes.get("s3://b/missing-photo.jpg");
        assertEquals(Outcome.Kind.FAILED_PERMANENT, outcome.kind());
        assertEquals(Reason.OBJECT_NOT_FOUND, outcome.reason());
        assertNull(item.embedding(), "the deleted picture's cached vector is never written");
        assertEquals(0, downloads.get());
    }

    @Test
    void aMultipartETagIsNeverLookedUpSoItCannotGiveAFalseHit() throws Exception {
        start(8);
        // The hex part of a multipart ETag is an MD5 of part MD5s; even if an entry happened to sit under it,
        // it must not be used.
        String hexPart = md5("some other picture");
        cacheEntries.put(hexPart, new CachedEmbedding(new float[]{-1f, -1f}, CACHED_AT));
        WorkItem item = submit("b", "big.jpg", hexPart + "-3");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(1, downloads.get());
        assertFalse(item.cacheHit());
        assertEquals(md5("big.jpg"), item.imageHash());
        assertArrayEquals(new float[]{"big.jpg".length(), 1}, item.embedding());
        assertArrayEquals(item.embedding(), cacheEntries.get(md5("big.jpg")).vector(), "stored under the real MD5");
    }

    @Test
    void a32HexETagThatIsNotTheMd5MissesAndTheDownloadedBytesDecide() throws Exception {
        start(8);
        // An SSE-KMS object's ETag: 32 hex digits, not the MD5 of its bytes. Nothing is ever stored under it.
        String kmsETag = md5("not the content");
        WorkItem item = submit("b", "secret.jpg", kmsETag);
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(1, downloads.get());
        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/secret.jpg").kind());
        assertFalse(item.cacheHit());
        assertTrue(item.downloaded());
        assertEquals(md5("secret.jpg"), item.imageHash(), "image_hash is the MD5 of the bytes, not the ETag");
        assertArrayEquals(new float[]{"secret.jpg".length(), 1}, item.embedding());
        assertArrayEquals(item.embedding(), cacheEntries.get(md5("secret.jpg")).vector());
        assertFalse(cacheEntries.containsKey(kmsETag), "the cache is never written under an ETag");
        assertEquals(2, lookups.get(), "asked by the ETag, then by the real MD5");
    }

    @Test
    void anEncryptedObjectWhoseBytesAreCachedIsAHitAfterTheDownload() throws Exception {
        start(8);
        float[] cached = {7f, 7f};
        cacheEntries.put(md5("copy.jpg"), new CachedEmbedding(cached, CACHED_AT));
        WorkItem item = submit("b", "copy.jpg", md5("its KMS ETag"));
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(1, downloads.get());
        assertTrue(item.cacheHit());
        assertTrue(item.downloaded());
        assertArrayEquals(cached, item.embedding());
        assertEquals(0, imagesEmbedded.get());
        assertEquals(0.0, metrics.counter(MetricNames.CACHE_HITS_WITHOUT_DOWNLOAD).count());
    }

    @Test
    void anETagMissIsDownloadedAndNotLookedUpTwice() throws Exception {
        start(8);
        WorkItem item = submit("b", "new.jpg", md5("new.jpg"));
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(1, downloads.get());
        assertEquals(1, lookups.get(), "the real MD5 equals the ETag that already missed");
        assertEquals(1, imagesEmbedded.get());
        assertEquals(md5("new.jpg"), item.imageHash());
        assertTrue(cacheEntries.containsKey(md5("new.jpg")));
    }

    private double stageErrors(String stage) {
        io.micrometer.core.instrument.Counter counter = metrics.find(MetricNames.STAGE_ERRORS)
                .tag(MetricNames.TAG_STAGE, stage).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anErrorInDecodeFailsTheItemTransientlyAndFreesItsSlot() throws Exception {
        start(1); // one slot: a wedged item would keep the next one out for good
        submit("b", "deep.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)), "the item settled");
        submit("b", "after.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        Outcome failed = outcomes.get("s3://b/deep.jpg");
        assertEquals(Outcome.Kind.FAILED_TRANSIENT, failed.kind(), "its message goes back to the queue");
        assertEquals(Reason.STAGE_ERROR, failed.reason());
        assertTrue(failed.detail().contains("StackOverflowError"), failed.detail());
        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/after.jpg").kind(), "the decode pool still works");
        assertEquals(1.0, stageErrors("decode"));
        assertEquals(List.of(), deadThreads);
    }

    @Test
    void anErrorInInferenceFailsTheBatchTransientlyAndTheStageGoesOn() throws Exception {
        start(1);
        submit("b", "model-error.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)), "the item settled");
        submit("b", "after.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)));

        assertEquals(Outcome.transientFailure(Reason.STAGE_ERROR, "java.lang.InternalError: libtorch: illegal instruction"),
                outcomes.get("s3://b/model-error.jpg"));
        assertEquals(Outcome.Kind.INDEXED, outcomes.get("s3://b/after.jpg").kind(), "the inference thread lives on");
        assertEquals(1.0, stageErrors("inference"));
        assertEquals(List.of(), deadThreads);
    }

    @Test
    void anOutOfMemoryErrorSettlesTheItemThenEndsTheThreadItHit() throws Exception {
        start(4);
        submit("b", "native-oom.jpg");
        submit("b", "model-oom.jpg");
        assertTrue(pipeline.awaitEmpty(Duration.ofSeconds(10)), "both items settled");

        assertEquals(Reason.STAGE_ERROR, outcomes.get("s3://b/native-oom.jpg").reason());
        assertEquals(Reason.STAGE_ERROR, outcomes.get("s3://b/model-oom.jpg").reason());
        assertEquals(Outcome.Kind.FAILED_TRANSIENT, outcomes.get("s3://b/model-oom.jpg").kind());
        // Not swallowed: the threads it passed through die, and whoever runs the pipeline is told (the daemon stops).
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (deadThreads.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, deadThreads.size(), deadThreads.toString());
        assertTrue(deadThreads.stream().anyMatch(d -> d.startsWith("decode-") && d.contains("OutOfMemoryError")), deadThreads.toString());
        assertTrue(deadThreads.stream().anyMatch(d -> d.startsWith("inference-0") && d.contains("OutOfMemoryError")), deadThreads.toString());
    }

    @Test
    void aStageThreadThatDiesIsReported() throws Exception {
        start(4, () -> {
            throw new IllegalStateException("no predictor: libtorch failed to load");
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (deadThreads.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of("inference-0: java.lang.IllegalStateException: no predictor: libtorch failed to load"), deadThreads);
    }
}

package io.cis.worker.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.cache.EmbeddingCache;
import io.cis.worker.embed.BatchEmbedder;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.fetch.FetchException;
import io.cis.worker.fetch.FetchedObject;
import io.cis.worker.fetch.ObjectFetcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
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
    private final Map<String, float[]> cacheEntries = new ConcurrentHashMap<>();
    private final AtomicInteger imagesEmbedded = new AtomicInteger();
    private final List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<WorkItem> indexed = java.util.Collections.synchronizedList(new ArrayList<>());
    private Pipeline pipeline;

    /** Object content is the key itself, so identical keys in two buckets have identical bytes and hashes. */
    private final ObjectFetcher fetcher = object -> {
        if (object.key().startsWith("missing")) {
            throw FetchException.permanent("object_not_found: NoSuchKey", null);
        }
        if (object.key().startsWith("flaky")) {
            throw FetchException.transientFailure("s3_error: HTTP 503", null);
        }
        byte[] bytes = object.key().getBytes(StandardCharsets.UTF_8);
        return new FetchedObject(bytes, Integer.toHexString(object.key().hashCode()));
    };

    private final EmbeddingCache cache = new EmbeddingCache() {
        @Override
        public Map<String, float[]> lookup(Collection<String> hashes) {
            Map<String, float[]> hits = new java.util.HashMap<>();
            hashes.forEach(h -> {
                if (cacheEntries.containsKey(h)) {
                    hits.put(h, cacheEntries.get(h));
                }
            });
            return hits;
        }

        @Override
        public void store(Map<String, float[]> embeddings) {
            cacheEntries.putAll(embeddings);
        }
    };

    private final ImagePreprocessing preprocessing = bytes -> {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.startsWith("corrupt")) {
            throw new IllegalArgumentException("corrupt_image: not a JPEG");
        }
        return new float[]{text.length()};
    };

    private BatchEmbedder embedder() {
        return new BatchEmbedder() {
            @Override
            public float[][] embed(List<float[]> pixels) {
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
                ? Outcome.permanent(item.permanentFailure()) : Outcome.indexed()).toList();
    };

    private void start(int capacity) {
        pipeline = new Pipeline(fetcher, cache, preprocessing, this::embedder, indexer,
                new OutcomeLog(new SimpleMeterRegistry(), Clock.systemUTC()),
                new Pipeline.Limits(capacity, 2, 2, 1, 4, Duration.ofMillis(20), 100), new SimpleMeterRegistry());
        pipeline.start();
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private WorkItem submit(String bucket, String key) throws InterruptedException {
        WorkItem item = new WorkItem(new S3ObjectRef(bucket, key, null, null, null), null,
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
        assertEquals(Outcome.permanent("object_not_found: NoSuchKey"), outcomes.get("s3://b/missing.jpg"));
        assertEquals(Outcome.Kind.FAILED_TRANSIENT, outcomes.get("s3://b/flaky.jpg").kind());
        assertEquals(Outcome.permanent("image_unreadable: corrupt_image: not a JPEG"), outcomes.get("s3://b/corrupt.jpg"));
        assertEquals("image_truncated: ends early", Pipeline.decodeFailureReason(new io.cis.worker.image.ImageDecodeException(
                io.cis.worker.image.ImageDecodeException.Reason.TRUNCATED, "ends early")));
        // Permanent failures pass through the index stage so the reason is recorded on the document.
        assertEquals(3, indexed.size());
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
                new OutcomeLog(new SimpleMeterRegistry(), Clock.systemUTC()),
                new Pipeline.Limits(1, 1, 1, 1, 4, Duration.ofMillis(20), 100), new SimpleMeterRegistry());
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
}

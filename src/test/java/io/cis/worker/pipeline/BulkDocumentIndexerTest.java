package io.cis.worker.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.cache.CachedEmbedding;
import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.BulkItem;
import io.cis.worker.index.BulkItemResult;
import io.cis.worker.index.DocumentIdResolver;
import io.cis.worker.index.EmbeddingUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the indexer asks OpenSearch to write for an item. */
class BulkDocumentIndexerTest {

    private final List<BulkItem> written = new ArrayList<>();
    private final BulkDocumentIndexer indexer = new BulkDocumentIndexer(DocumentIdResolver.byKey(), items -> {
        written.addAll(items);
        return items.stream().map(BulkItemResult::indexed).toList();
    }, "openai/clip-vit-base-patch32");

    private static WorkItem embedded(String key, Instant computedAt, boolean fromCache) {
        WorkItem item = new WorkItem(S3ObjectRef.of("cis-images", key), null, (i, outcome) -> { }, 0L);
        item.fetched(new byte[] {1}, "9e107d9d372bb6826bd81d3542a419d6", null);
        item.embedded(new CachedEmbedding(new float[] {0.6f, 0.8f}, computedAt), fromCache);
        return item;
    }

    @Test
    void theDocumentGetsTheTimeTheEmbeddingWasComputedNotTheTimeOfTheWrite() {
        Instant cachedAt = Instant.parse("2024-06-01T12:00:00Z");
        Instant justNow = Instant.parse("2025-03-04T05:06:07Z");

        List<Outcome> outcomes = indexer.index(List.of(embedded("a.jpg", cachedAt, true),
                embedded("b.jpg", justNow, false)));

        assertEquals(List.of(Outcome.Kind.INDEXED, Outcome.Kind.INDEXED), outcomes.stream().map(Outcome::kind).toList());
        assertEquals(List.of(cachedAt, justNow),
                written.stream().map(item -> ((EmbeddingUpdate) item).updatedAt()).toList());
    }

    @Test
    void anItemIsUnchangedWhenOpenSearchAnsweredNoopForItsDocument() {
        BulkDocumentIndexer replaying = new BulkDocumentIndexer(DocumentIdResolver.byKey(), items -> items.stream()
                .map(item -> switch (item.documentId()) {
                    case "same.jpg" -> BulkItemResult.unchanged(item);
                    case "down.jpg" -> BulkItemResult.transientFailure(item, Reason.INDEX_UNAVAILABLE, "503", 503);
                    default -> BulkItemResult.indexed(item);
                }).toList(), "openai/clip-vit-base-patch32");
        Instant cachedAt = Instant.parse("2024-06-01T12:00:00Z");
        WorkItem same = embedded("same.jpg", cachedAt, true);
        WorkItem changed = embedded("changed.jpg", cachedAt, true);
        WorkItem down = embedded("down.jpg", cachedAt, true);

        List<Outcome> outcomes = replaying.index(List.of(same, changed, down));

        assertEquals(List.of(Outcome.Kind.INDEXED, Outcome.Kind.INDEXED, Outcome.Kind.FAILED_TRANSIENT),
                outcomes.stream().map(Outcome::kind).toList());
        assertTrue(same.documentUnchanged());
        assertFalse(changed.documentUnchanged());
        assertFalse(down.documentUnchanged());
    }

    @Test
    void writingTheSameItemTwiceAsksForTheSameDocument() {
        Instant cachedAt = Instant.parse("2024-06-01T12:00:00Z");
        indexer.index(List.of(embedded("a.jpg", cachedAt, false)));
        indexer.index(List.of(embedded("a.jpg", cachedAt, true)));

        EmbeddingUpdate first = (EmbeddingUpdate) written.get(0);
        EmbeddingUpdate replay = (EmbeddingUpdate) written.get(1);
        assertEquals(first.toString(), replay.toString());
        assertEquals(java.util.Arrays.toString(first.embedding()), java.util.Arrays.toString(replay.embedding()));
    }
}

package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import io.cis.worker.index.BulkItemResult.Status;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

/**
 * Two versions of one key written in either order, against the real OpenSearch: the document only ever moves
 * forward (by the S3 sequencer, else by Last-Modified), an older write is reported superseded, and a replay of
 * the current one is still a no-op. On the partial-document updates before, the last write won whatever its age.
 */
class OrderedWritesIT {

    private static final Instant T0 = Instant.parse("2026-12-06T09:00:00Z");
    private static final SourceVersion OLD = SourceVersion.of("0066432E7F5B6D1A2C", T0);
    // One hex digit longer: greater by S3's padding rule, though "F..." > "6..." as text would say the opposite.
    private static final SourceVersion NEW = SourceVersion.of("10066432E7F5B6D1A2C", T0.plusSeconds(60));
    private static final float[] OLD_VECTOR = {1f, 0f, 0f, 0f};
    private static final float[] NEW_VECTOR = {0f, 1f, 0f, 0f};

    private OpenSearchClient client;
    private String index;
    private BulkIndexer indexer;

    @BeforeEach
    void createIndex() throws IOException {
        client = LocalOpenSearch.client();
        index = LocalOpenSearch.uniqueIndex("ordered");
        new IndexSetup(client, index, 4, "lucene", "cosinesimil").ensureIndex();
        indexer = new BulkIndexer(client, index, MissingDocumentPolicy.UPSERT, 3);
    }

    @AfterEach
    void deleteIndex() throws IOException {
        LocalOpenSearch.deleteIfExists(client, index);
        client._transport().close();
    }

    @Test
    void theNewerPictureWinsWhicheverWriteFinishesFirst() throws IOException {
        // Newer first, then the late older one: skipped, reported superseded.
        assertEquals(Status.INDEXED, write("k1", NEW_VECTOR, "new-hash", NEW).status());
        BulkItemResult late = write("k1", OLD_VECTOR, "old-hash", OLD);
        assertEquals(Status.SUPERSEDED, late.status());
        assertEquals(Reason.SUPERSEDED, late.reason());
        assertCurrent("k1", NEW_VECTOR, "new-hash", NEW);

        // Older first, then the newer: both written, the newer stays.
        assertEquals(Status.INDEXED, write("k2", OLD_VECTOR, "old-hash", OLD).status());
        assertEquals(Status.INDEXED, write("k2", NEW_VECTOR, "new-hash", NEW).status());
        assertCurrent("k2", NEW_VECTOR, "new-hash", NEW);

        // Both in one bulk request, the older one last.
        List<BulkItemResult> both = indexer.index(List.of(update("k3", NEW_VECTOR, "new-hash", NEW),
                update("k3", OLD_VECTOR, "old-hash", OLD)));
        assertEquals(List.of(Status.INDEXED, Status.SUPERSEDED), both.stream().map(BulkItemResult::status).toList());
        assertCurrent("k3", NEW_VECTOR, "new-hash", NEW);
    }

    @Test
    void aReplayOfTheCurrentVersionIsStillANoOp() throws IOException {
        write("k1", NEW_VECTOR, "new-hash", NEW);
        long version = documentVersion("k1");

        BulkItemResult replay = write("k1", NEW_VECTOR, "new-hash", NEW);
        assertEquals(Status.INDEXED, replay.status());
        assertTrue(replay.unchanged(), "the same picture again: OpenSearch writes nothing");
        assertEquals(version, documentVersion("k1"));
    }

    @Test
    void withoutSequencersTheLastModifiedOrdersTheWrites() throws IOException {
        // The old worker's messages and the backfill carry no sequencer: the GET's Last-Modified decides.
        SourceVersion older = SourceVersion.of(null, T0);
        SourceVersion newer = SourceVersion.of(null, T0.plusSeconds(1));
        write("k1", NEW_VECTOR, "new-hash", newer);
        assertEquals(Status.SUPERSEDED, write("k1", OLD_VECTOR, "old-hash", older).status());
        assertCurrent("k1", NEW_VECTOR, "new-hash", newer);

        // A notification with a sequencer after a backfill write without one: Last-Modified still decides.
        assertEquals(Status.SUPERSEDED, write("k1", OLD_VECTOR, "old-hash", SourceVersion.of("55AA", T0)).status());
        assertEquals(Status.INDEXED, write("k1", OLD_VECTOR, "newest-hash", SourceVersion.of("55AA", T0.plusSeconds(2))).status());
        assertEquals("newest-hash", source("k1").get(DocumentFields.IMAGE_HASH));
    }

    @Test
    void anOlderPicturesFailureIsNotRecordedOverANewerPicture() throws IOException {
        write("k1", NEW_VECTOR, "new-hash", NEW);

        BulkItemResult stale = indexer.index(List.of(new ErrorRecord("k1", "image_corrupt: old bytes", OLD))).get(0);
        assertEquals(Status.SUPERSEDED, stale.status());
        assertNull(source("k1").get(DocumentFields.IMAGE_EMBEDDING_ERROR));

        SourceVersion newest = SourceVersion.of("20066432E7F5B6D1A2C", T0.plusSeconds(120));
        assertEquals(Status.INDEXED, indexer.index(List.of(new ErrorRecord("k1", "image_corrupt: new bytes", newest)))
                .get(0).status());
        Map<String, Object> doc = source("k1");
        assertEquals("image_corrupt: new bytes", doc.get(DocumentFields.IMAGE_EMBEDDING_ERROR));
        assertEquals(newest.sequencer(), doc.get(DocumentFields.IMAGE_SOURCE_SEQUENCER));
        // The failed picture moved the key forward: the one before it cannot come back either.
        assertEquals(Status.SUPERSEDED, write("k1", NEW_VECTOR, "new-hash", NEW).status());
    }

    private BulkItemResult write(String id, float[] vector, String hash, SourceVersion version) {
        return indexer.index(List.of(update(id, vector, hash, version))).get(0);
    }

    private static EmbeddingUpdate update(String id, float[] vector, String hash, SourceVersion version) {
        return new EmbeddingUpdate(id, "test-bucket", id + ".jpg", vector, "m", hash,
                version.lastModified() == null ? T0 : version.lastModified(), version);
    }

    private void assertCurrent(String id, float[] vector, String hash, SourceVersion version) throws IOException {
        Map<String, Object> doc = source(id);
        List<Double> expected = new java.util.ArrayList<>();
        for (float component : vector) {
            expected.add((double) component);
        }
        assertEquals(expected, doc.get(DocumentFields.IMAGE_EMBEDDING));
        assertEquals(hash, doc.get(DocumentFields.IMAGE_HASH));
        assertEquals(version.sequencer(), doc.get(DocumentFields.IMAGE_SOURCE_SEQUENCER));
        assertEquals(version.lastModifiedText(), doc.get(DocumentFields.IMAGE_SOURCE_MODIFIED));
        assertFalse(doc.containsKey(DocumentFields.IMAGE_EMBEDDING_ERROR) && doc.get(DocumentFields.IMAGE_EMBEDDING_ERROR) != null);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> source(String id) throws IOException {
        return client.get(g -> g.index(index).id(id), Map.class).source();
    }

    private long documentVersion(String id) throws IOException {
        return client.get(g -> g.index(index).id(id), Map.class).version();
    }
}

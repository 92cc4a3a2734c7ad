package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

class KnnSearchIT {

    private OpenSearchClient client;
    private String index;

    @BeforeEach
    void createIndex() throws IOException {
        client = LocalOpenSearch.client();
        index = LocalOpenSearch.uniqueIndex("knn");
        new IndexSetup(client, index, 3, "lucene", "cosinesimil").ensureIndex();
    }

    @AfterEach
    void deleteIndex() throws IOException {
        LocalOpenSearch.deleteIfExists(client, index);
        client._transport().close();
    }

    @Test
    void returnsTheNearestOfThreeVectorsFirst() throws IOException {
        List<BulkItemResult> results = new BulkIndexer(client, index, MissingDocumentPolicy.UPSERT, 3).index(List.of(
                update("red", "colours/red.jpg", 1f, 0f, 0f),
                update("green", "colours/green.jpg", 0f, 1f, 0f),
                update("blue", "colours/blue.jpg", 0f, 0f, 1f)));
        assertTrue(results.stream().allMatch(r -> r.status() == BulkItemResult.Status.INDEXED), results.toString());
        LocalOpenSearch.refresh(client, index);

        // Closest to green, then blue, then red by cosine.
        List<KnnSearch.Neighbour> neighbours = new KnnSearch(client, index).nearest(new float[] {0.1f, 0.9f, 0.4f}, 3);

        assertEquals(List.of("green", "blue", "red"), neighbours.stream().map(KnnSearch.Neighbour::id).toList());
        assertEquals("colours/green.jpg", neighbours.get(0).s3Key());
        assertTrue(neighbours.get(0).score() > neighbours.get(1).score());
        assertTrue(neighbours.get(1).score() > neighbours.get(2).score());
        assertEquals(1, new KnnSearch(client, index).nearest(new float[] {1f, 0f, 0f}, 1).size());
    }

    private static EmbeddingUpdate update(String id, String key, float... vector) {
        return new EmbeddingUpdate(id, "test-bucket", key, vector, "test-model", id + "-hash", Instant.now(), SourceVersion.UNKNOWN);
    }
}

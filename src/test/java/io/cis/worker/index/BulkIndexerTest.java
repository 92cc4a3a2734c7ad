package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.index.BulkItemResult.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

/** The indexer's own checks and its handling of an unreachable server; the server's answers are in BulkIndexerIT. */
class BulkIndexerTest {

    @Test
    void unsendableItemsFailPermanentlyAndAnUnreachableServerIsTransient() throws Exception {
        OpenSearchClient client = new OpenSearchClientFactory(URI.create("http://127.0.0.1:" + freePort()),
                OpenSearchAuth.none(), true, Duration.ofSeconds(2), Duration.ofSeconds(2)).create();
        try {
            BulkIndexer indexer = new BulkIndexer(client, "cis-files", MissingDocumentPolicy.FAIL, 3);
            EmbeddingUpdate nan = update("nan", new float[] {0.5f, Float.NaN});
            EmbeddingUpdate empty = update("empty", new float[0]);
            EmbeddingUpdate tooLongId = update("x".repeat(513), new float[] {1f});
            EmbeddingUpdate good = update("good", new float[] {0.6f, 0.8f});
            ErrorRecord record = new ErrorRecord("bad", "corrupt image", SourceVersion.UNKNOWN);

            List<BulkItemResult> results = indexer.index(List.of(nan, good, empty, record, tooLongId));

            assertEquals(5, results.size());
            assertEquals(List.of(nan, good, empty, record, tooLongId), results.stream().map(BulkItemResult::item).toList());
            assertEquals(Status.FAILED_PERMANENT, results.get(0).status());
            assertEquals("embedding component 1 is NaN", results.get(0).detail());
            assertEquals(Status.FAILED_PERMANENT, results.get(2).status());
            assertEquals(Status.FAILED_PERMANENT, results.get(4).status());
            assertTrue(results.get(4).detail().contains("513 bytes"), results.get(4).detail());
            // Nothing listens on the port: the request fails as a whole, which is never the items' fault.
            for (int i : new int[] {1, 3}) {
                assertEquals(Status.FAILED_TRANSIENT, results.get(i).status());
                assertTrue(results.get(i).detail().startsWith("bulk request failed: "), results.get(i).detail());
            }
        } finally {
            client._transport().close();
        }
    }

    @Test
    void anEmptyBatchSendsNothing() throws Exception {
        OpenSearchClient client = new OpenSearchClientFactory(URI.create("http://127.0.0.1:" + freePort()),
                OpenSearchAuth.none()).create();
        try {
            assertEquals(List.of(), new BulkIndexer(client, "cis-files", MissingDocumentPolicy.UPSERT, 3).index(List.of()));
        } finally {
            client._transport().close();
        }
    }

    private static EmbeddingUpdate update(String id, float[] embedding) {
        return new EmbeddingUpdate(id, "bucket", "key.jpg", embedding, "model", "hash", Instant.EPOCH, SourceVersion.UNKNOWN);
    }

    /** A port nobody listens on (bound then released). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

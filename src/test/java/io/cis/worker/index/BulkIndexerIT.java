package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.index.BulkItemResult.Status;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.GetResponse;

class BulkIndexerIT {

    private static final int DIMENSION = 4;
    private static final String MODEL = "openai/clip-vit-base-patch32";
    private static final Instant NOW = Instant.parse("2025-06-01T12:30:45.678Z");

    private OpenSearchClient client;
    private String index;

    @BeforeEach
    void createIndex() throws IOException {
        client = LocalOpenSearch.client();
        index = LocalOpenSearch.uniqueIndex("bulk");
        new IndexSetup(client, index, DIMENSION, "lucene", "cosinesimil").ensureIndex();
    }

    @AfterEach
    void deleteIndex() throws IOException {
        LocalOpenSearch.deleteIfExists(client, index);
        client._transport().close();
    }

    @Test
    void updatesExistingDocumentsSetsEveryFieldAndClearsAPreviousError() throws IOException {
        putDocument("doc-a", Map.of("title", "beach", DocumentFields.IMAGE_EMBEDDING_ERROR, "corrupt image: old"));
        putDocument("doc-b", Map.of("title", "forest"));
        BulkIndexer indexer = new BulkIndexer(client, index, MissingDocumentPolicy.FAIL, 3);
        EmbeddingUpdate a = update("doc-a", "photos/beach.jpg", new float[] {0.5f, 0.5f, 0.5f, 0.5f}, "aaaa");
        EmbeddingUpdate b = update("doc-b", "photos/forest.jpg", new float[] {1f, 0f, 0f, 0f}, "bbbb");

        List<BulkItemResult> results = indexer.index(List.of(a, b));
        LocalOpenSearch.refresh(client, index);

        assertEquals(List.of(Status.INDEXED, Status.INDEXED), statuses(results));
        Map<String, Object> docA = source("doc-a");
        assertEquals(List.of(0.5, 0.5, 0.5, 0.5), docA.get(DocumentFields.IMAGE_EMBEDDING));
        assertEquals(true, docA.get(DocumentFields.HAS_IMAGE_EMBEDDING));
        assertEquals(MODEL, docA.get(DocumentFields.IMAGE_EMBEDDING_MODEL));
        assertEquals("2025-06-01T12:30:45.678Z", docA.get(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT));
        assertEquals("aaaa", docA.get(DocumentFields.IMAGE_HASH));
        assertEquals("beach", docA.get("title"), "fields the worker does not own are kept");
        assertFalse(docA.containsKey(DocumentFields.S3_KEY), "an existing document gets no S3 fields");
        // Cleared: null in _source, and not indexed, so queries for documents with an error no longer match.
        assertTrue(docA.containsKey(DocumentFields.IMAGE_EMBEDDING_ERROR));
        assertNull(docA.get(DocumentFields.IMAGE_EMBEDDING_ERROR));
        assertEquals(0, countWithError());
        assertEquals(List.of(1.0, 0.0, 0.0, 0.0), source("doc-b").get(DocumentFields.IMAGE_EMBEDDING));
        assertEquals(2, countWhere(DocumentFields.HAS_IMAGE_EMBEDDING, "true"));
        assertEquals(2, countWhere(DocumentFields.IMAGE_EMBEDDING_MODEL, MODEL));

        // Replaying the same batch (a redelivered message) is harmless and still reported as indexed.
        assertEquals(List.of(Status.INDEXED, Status.INDEXED), statuses(indexer.index(List.of(a, b))));
    }

    @Test
    void aMissingDocumentIsUpsertedWithItsS3FieldsUnderTheUpsertPolicy() throws IOException {
        EmbeddingUpdate update = update("new-doc", "Fotos/été 1.jpg", new float[] {0f, 1f, 0f, 0f}, "cccc");

        List<BulkItemResult> results = new BulkIndexer(client, index, MissingDocumentPolicy.UPSERT, 3)
                .index(List.of(update));
        LocalOpenSearch.refresh(client, index);

        assertEquals(List.of(Status.INDEXED), statuses(results));
        Map<String, Object> doc = source("new-doc");
        assertEquals("test-bucket", doc.get(DocumentFields.S3_BUCKET));
        assertEquals("Fotos/été 1.jpg", doc.get(DocumentFields.S3_KEY));
        assertEquals("s3://test-bucket/Fotos/été 1.jpg", doc.get(DocumentFields.S3_URL));
        assertEquals(List.of(0.0, 1.0, 0.0, 0.0), doc.get(DocumentFields.IMAGE_EMBEDDING));
        assertEquals(true, doc.get(DocumentFields.HAS_IMAGE_EMBEDDING));
        assertEquals("cccc", doc.get(DocumentFields.IMAGE_HASH));
    }

    @Test
    void writingTheSameEmbeddingAgainIsANoopForAnExistingAndForAnUpsertedDocument() throws IOException {
        putDocument("existing", Map.of("title", "beach", DocumentFields.IMAGE_EMBEDDING_ERROR, "corrupt image: old"));
        BulkIndexer indexer = new BulkIndexer(client, index, MissingDocumentPolicy.UPSERT, 3);
        List<EmbeddingUpdate> batch = List.of(
                update("existing", "photos/beach.jpg", new float[] {0.1f, -0.25f, 1.0E-5f, 0.9f}, "aaaa"),
                update("upserted", "photos/new.jpg", new float[] {0.5f, 0.5f, 0.5f, 0.5f}, "bbbb"));
        List<BulkItemResult> first = indexer.index(batch);
        GetResponse<Map> existing = document("existing");
        GetResponse<Map> upserted = document("upserted");

        List<BulkItemResult> replay = indexer.index(batch);
        List<BulkItemResult> again = indexer.index(batch);
        assertEquals(List.of(Status.INDEXED, Status.INDEXED), statuses(replay));
        assertEquals(List.of(Status.INDEXED, Status.INDEXED), statuses(again));
        assertEquals(List.of(false, false), first.stream().map(BulkItemResult::unchanged).toList(),
                "\"updated\" and \"created\": written");
        assertEquals(List.of(true, true), replay.stream().map(BulkItemResult::unchanged).toList(), "\"noop\"");
        assertEquals(List.of(true, true), again.stream().map(BulkItemResult::unchanged).toList(), "\"noop\"");

        for (GetResponse<Map> before : List.of(existing, upserted)) {
            GetResponse<Map> after = document(before.id());
            assertEquals(before.version(), after.version(), before.id() + ": not rewritten");
            assertEquals(before.seqNo(), after.seqNo(), before.id());
        }
        assertEquals(4, client.indices().stats(s -> s.index(index)).indices().get(index).primaries().indexing()
                .noopUpdateTotal(), "two documents, replayed twice");
    }

    @Test
    void aMissingDocumentFailsPermanentlyUnderTheFailPolicyAndIsNotCreated() throws IOException {
        EmbeddingUpdate update = update("absent", "photos/absent.jpg", new float[] {0f, 0f, 1f, 0f}, "dddd");

        BulkItemResult failed = new BulkIndexer(client, index, MissingDocumentPolicy.FAIL, 3).index(List.of(update))
                .get(0);
        BulkItemResult retried = new BulkIndexer(client, index, MissingDocumentPolicy.RETRY, 3).index(List.of(update))
                .get(0);

        assertEquals(Status.FAILED_PERMANENT, failed.status());
        assertTrue(failed.detail().startsWith("404 document_missing_exception"), failed.detail());
        assertEquals(Status.FAILED_TRANSIENT, retried.status());
        assertFalse(exists("absent"));
    }

    @Test
    void aRejectedVectorFailsPermanentlyWithTheReasonWhileTheRestOfTheBulkIsIndexed() throws IOException {
        putDocument("good-1", Map.of("title", "one"));
        putDocument("wrong-dimension", Map.of("title", "two"));
        putDocument("good-2", Map.of("title", "three"));
        List<EmbeddingUpdate> batch = List.of(
                update("good-1", "a.jpg", new float[] {1f, 0f, 0f, 0f}, "1111"),
                update("wrong-dimension", "b.jpg", new float[] {1f, 0f, 0f}, "2222"),
                update("good-2", "c.jpg", new float[] {0f, 0f, 0f, 1f}, "3333"));

        List<BulkItemResult> results = new BulkIndexer(client, index, MissingDocumentPolicy.FAIL, 3).index(batch);
        LocalOpenSearch.refresh(client, index);

        assertEquals(List.of(Status.INDEXED, Status.FAILED_PERMANENT, Status.INDEXED), statuses(results));
        String reason = results.get(1).detail();
        assertTrue(reason.startsWith("400 mapper_parsing_exception"), reason);
        assertTrue(reason.contains("dimension"), reason);
        assertFalse(source("wrong-dimension").containsKey(DocumentFields.IMAGE_EMBEDDING));
        assertEquals(List.of(0.0, 0.0, 0.0, 1.0), source("good-2").get(DocumentFields.IMAGE_EMBEDDING));
    }

    @Test
    void anErrorRecordIsWrittenOnAnExistingDocumentAndNeverCreatesOne() throws IOException {
        putDocument("broken", Map.of("title", "broken"));
        List<BulkItem> batch = List.of(
                new ErrorRecord("broken", "corrupt image: truncated JPEG", SourceVersion.UNKNOWN),
                new ErrorRecord("nobody", "object gone (404)", SourceVersion.UNKNOWN));

        List<BulkItemResult> results = new BulkIndexer(client, index, MissingDocumentPolicy.UPSERT, 3).index(batch);
        LocalOpenSearch.refresh(client, index);

        assertEquals(List.of(Status.INDEXED, Status.FAILED_PERMANENT), statuses(results));
        assertEquals("corrupt image: truncated JPEG", source("broken").get(DocumentFields.IMAGE_EMBEDDING_ERROR));
        assertEquals("broken", source("broken").get("title"));
        assertFalse(exists("nobody"));
        assertEquals(1, countWithError());
    }

    private EmbeddingUpdate update(String id, String key, float[] vector, String hash) {
        return new EmbeddingUpdate(id, "test-bucket", key, vector, MODEL, hash, NOW, SourceVersion.UNKNOWN);
    }

    private void putDocument(String id, Map<String, Object> fields) throws IOException {
        client.index(i -> i.index(index).id(id).document(new HashMap<>(fields)));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> source(String id) throws IOException {
        GetResponse<Map> response = client.get(g -> g.index(index).id(id), Map.class);
        assertTrue(response.found(), "document " + id + " exists");
        return response.source();
    }

    @SuppressWarnings("rawtypes")
    private GetResponse<Map> document(String id) throws IOException {
        return client.get(g -> g.index(index).id(id), Map.class);
    }

    private boolean exists(String id) throws IOException {
        return client.exists(e -> e.index(index).id(id)).value();
    }

    private long countWithError() throws IOException {
        return client.count(c -> c.index(index)
                .query(q -> q.exists(e -> e.field(DocumentFields.IMAGE_EMBEDDING_ERROR)))).count();
    }

    private long countWhere(String field, String value) throws IOException {
        return client.count(c -> c.index(index).query(q -> q.term(t -> t.field(field).value(v -> v.stringValue(value)))))
                .count();
    }

    private static List<Status> statuses(List<BulkItemResult> results) {
        return results.stream().map(BulkItemResult::status).toList();
    }
}

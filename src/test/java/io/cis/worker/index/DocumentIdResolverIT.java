package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.index.DocumentIdResolution.Kind;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

class DocumentIdResolverIT {

    private static final String UNICODE_KEY = "Fotos/\u00dcn\u00efc\u00f8d\u00e9 folder/\u00e9t\u00e9 1.jpg";

    private OpenSearchClient client;
    private String index;

    @BeforeEach
    void indexDocuments() throws IOException {
        client = LocalOpenSearch.client();
        index = LocalOpenSearch.uniqueIndex("lookup");
        new IndexSetup(client, index, 4, "lucene", "cosinesimil").ensureIndex();
        put("file-1", "photos/beach.jpg");
        put("file-2", UNICODE_KEY);
        put("copy-a", "shared/logo.png");
        put("copy-b", "shared/logo.png");
        put("other", "photos/beach.jpg.bak");
        LocalOpenSearch.refresh(client, index);
    }

    @AfterEach
    void deleteIndex() throws IOException {
        LocalOpenSearch.deleteIfExists(client, index);
        client._transport().close();
    }

    @Test
    void resolvesAWholeBatchWithOneSearch() throws IOException {
        DocumentRef beach = DocumentRef.of("bucket", "photos/beach.jpg");
        DocumentRef unicode = DocumentRef.of("bucket", UNICODE_KEY);
        DocumentRef shared = DocumentRef.of("bucket", "shared/logo.png");
        DocumentRef absent = DocumentRef.of("bucket", "photos/absent.jpg");
        DocumentRef legacy = new DocumentRef("bucket", "photos/legacy.jpg", "legacy-id");
        DocumentIdResolver resolver = DocumentIdResolver.byLookup(client, index, DocumentFields.S3_KEY, 10);

        long searchesBefore = searchCount();
        Map<DocumentRef, DocumentIdResolution> resolved = resolver.resolve(List.of(beach, unicode, shared, absent, legacy));
        long searches = searchCount() - searchesBefore;

        assertEquals(1, searches, "one search for the batch");
        assertEquals(List.of("file-1"), resolved.get(beach).ids());
        assertEquals(List.of("file-2"), resolved.get(unicode).ids());
        assertEquals(List.of("copy-a", "copy-b"), resolved.get(shared).ids(), "every document of the key");
        assertEquals(Kind.NOT_FOUND, resolved.get(absent).kind());
        assertTrue(resolved.get(absent).reason().contains("s3_key = photos/absent.jpg"), resolved.get(absent).reason());
        assertEquals(List.of("legacy-id"), resolved.get(legacy).ids(), "an explicit id is not looked up");
    }

    @Test
    void aKeyWithMoreDocumentsThanAllowedIsReportedAndTheOthersStillResolve() throws IOException {
        DocumentRef beach = DocumentRef.of("bucket", "photos/beach.jpg");
        DocumentRef shared = DocumentRef.of("bucket", "shared/logo.png");
        DocumentRef unicode = DocumentRef.of("bucket", UNICODE_KEY);

        // One document per key allowed: three keys fit three hits, but four match, so it asks key by key.
        Map<DocumentRef, DocumentIdResolution> resolved = DocumentIdResolver
                .byLookup(client, index, DocumentFields.S3_KEY, 1).resolve(List.of(beach, shared, unicode));

        assertEquals(List.of("file-1"), resolved.get(beach).ids());
        assertEquals(List.of("file-2"), resolved.get(unicode).ids());
        assertEquals(Kind.TOO_MANY, resolved.get(shared).kind());
        assertTrue(resolved.get(shared).reason().startsWith("more than 1 documents"), resolved.get(shared).reason());
    }

    private void put(String id, String key) throws IOException {
        client.index(i -> i.index(index).id(id).document(Map.of(DocumentFields.S3_KEY, key, "title", id)));
    }

    /** Searches run on the index's primary shards so far, from the index statistics. */
    private long searchCount() throws IOException {
        try (Response response = client.generic().execute(
                Requests.builder().method("GET").endpoint("/" + index + "/_stats/search").build())) {
            String body = response.getBody().map(Body::bodyAsString).orElseThrow();
            return new ObjectMapper().readTree(body).path("_all").path("primaries").path("search").path("query_total")
                    .asLong(-1);
        }
    }
}

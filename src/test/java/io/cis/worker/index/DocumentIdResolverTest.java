package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.index.DocumentIdResolution.Kind;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

class DocumentIdResolverTest {

    // Expected values computed outside Java: printf '%s' 's3://cis-images/photos/2024/beach.jpg' | sha256sum
    private static final String BEACH_HASH = "b756882fc072c9f6d504218a20491ec9ebcb5910628bdc71f8be0d4e5c553c9b";
    // The key in NFC, as S3 stores the bytes it was given; the URL is hashed as UTF-8.
    private static final String UNICODE_KEY = "Fotos/\u00dcn\u00efc\u00f8d\u00e9 folder/\u00e9t\u00e9 1.jpg";
    private static final String UNICODE_HASH = "b78d3c78454d2e6a545cd0eab1155fbf02abf3ff53b6a322279699ba388cfe8c";

    @Test
    void urlHashIsSha256HexOfTheS3Url() {
        assertEquals(BEACH_HASH, DocumentIdResolver.urlHash("cis-images", "photos/2024/beach.jpg"));
        assertEquals(UNICODE_HASH, DocumentIdResolver.urlHash("cis-images", UNICODE_KEY));
    }

    @Test
    void urlHashModeIsStableAndDistinguishesBuckets() throws Exception {
        DocumentIdResolver resolver = DocumentIdResolver.byUrlHash();
        DocumentRef beach = DocumentRef.of("cis-images", "photos/2024/beach.jpg");
        DocumentRef sameKeyOtherBucket = DocumentRef.of("other-bucket", "photos/2024/beach.jpg");

        Map<DocumentRef, DocumentIdResolution> first = resolver.resolve(List.of(beach, sameKeyOtherBucket));
        Map<DocumentRef, DocumentIdResolution> second = resolver.resolve(List.of(beach));

        assertEquals(List.of(BEACH_HASH), first.get(beach).ids());
        assertEquals(first.get(beach), second.get(beach));
        assertTrue(!first.get(sameKeyOtherBucket).ids().equals(first.get(beach).ids()));
    }

    @Test
    void keyModeUsesTheKeyItself() throws Exception {
        DocumentRef ref = DocumentRef.of("b", UNICODE_KEY);
        DocumentIdResolution resolution = DocumentIdResolver.byKey().resolve(List.of(ref)).get(ref);
        assertEquals(Kind.RESOLVED, resolution.kind());
        assertEquals(List.of(UNICODE_KEY), resolution.ids());
    }

    @Test
    void keyModeRejectsKeysOverTheIdLimit() throws Exception {
        // 300 two-byte characters: 300 chars but 600 UTF-8 bytes, over the 512-byte limit.
        DocumentRef ref = DocumentRef.of("b", "\u00e9".repeat(300));
        DocumentIdResolution resolution = DocumentIdResolver.byKey().resolve(List.of(ref)).get(ref);
        assertEquals(Kind.INVALID, resolution.kind());
        assertTrue(resolution.reason().contains("600 bytes"), resolution.reason());
    }

    @Test
    void anExplicitIdWinsInEveryMode() throws Exception {
        DocumentRef legacy = new DocumentRef("b", "photos/x.jpg", "legacy-42");
        for (DocumentIdResolver resolver : List.of(DocumentIdResolver.byKey(), DocumentIdResolver.byUrlHash())) {
            assertEquals(List.of("legacy-42"), resolver.resolve(List.of(legacy)).get(legacy).ids(),
                    resolver.mode().name());
        }
    }

    @Test
    void resultsKeepTheCallersOrder() throws Exception {
        List<DocumentRef> refs = List.of(DocumentRef.of("b", "z.jpg"), DocumentRef.of("b", "a.jpg"),
                new DocumentRef("b", "m.jpg", "explicit"));
        assertEquals(refs, List.copyOf(DocumentIdResolver.byKey().resolve(refs).keySet()));
    }

    @Test
    void lookupNeedsAClientAFieldAndASensibleLimit() throws Exception {
        assertThrows(NullPointerException.class, () -> DocumentIdResolver.byLookup(null, "i", "s3_key", 10));
        // No request is made: building a client does not connect.
        OpenSearchClient client = new OpenSearchClientFactory(URI.create("http://127.0.0.1:9"), OpenSearchAuth.none())
                .create();
        try {
            assertThrows(IllegalArgumentException.class, () -> DocumentIdResolver.byLookup(client, "i", "s3_key", 0));
            assertThrows(IllegalArgumentException.class, () -> DocumentIdResolver.byLookup(client, "i", " ", 10));
            assertEquals(DocumentIdMode.LOOKUP, DocumentIdResolver.byLookup(client, "i", "s3_key", 1).mode());
        } finally {
            client._transport().close();
        }
    }
}

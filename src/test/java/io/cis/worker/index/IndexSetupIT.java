package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.mapping.Property;
import org.opensearch.client.opensearch._types.mapping.TypeMapping;

class IndexSetupIT {

    private OpenSearchClient client;
    private final List<String> indices = new ArrayList<>();

    @BeforeEach
    void connect() {
        client = LocalOpenSearch.client();
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (String index : indices) {
            LocalOpenSearch.deleteIfExists(client, index);
        }
        client._transport().close();
    }

    @Test
    void creatingTwiceIsIdempotent() throws IOException {
        String index = index("setup");
        IndexSetup setup = new IndexSetup(client, index, 512, "lucene", "cosinesimil");

        IndexSetupResult first = setup.ensureIndex();
        TypeMapping mappingAfterFirst = mapping(index);
        IndexSetupResult second = setup.ensureIndex();

        assertTrue(first.created());
        assertEquals(List.of(), first.warnings());
        assertFalse(second.created());
        assertEquals(List.of(), second.addedFields());
        assertEquals(List.of(), second.warnings());
        assertEquals(mappingAfterFirst.toString(), mapping(index).toString());

        Property embedding = mappingAfterFirst.properties().get(DocumentFields.IMAGE_EMBEDDING);
        assertTrue(embedding.isKnnVector());
        assertEquals(512, embedding.knnVector().dimension());
        assertEquals("hnsw", embedding.knnVector().method().name());
        assertEquals("lucene", embedding.knnVector().method().engine());
        assertEquals("cosinesimil", embedding.knnVector().method().spaceType());
        assertTrue(mappingAfterFirst.properties().get(DocumentFields.HAS_IMAGE_EMBEDDING).isBoolean());
        assertTrue(mappingAfterFirst.properties().get(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT).isDate());
        for (String keyword : List.of(DocumentFields.IMAGE_EMBEDDING_MODEL, DocumentFields.IMAGE_HASH,
                DocumentFields.IMAGE_EMBEDDING_ERROR, DocumentFields.S3_BUCKET, DocumentFields.S3_KEY,
                DocumentFields.S3_URL)) {
            assertTrue(mappingAfterFirst.properties().get(keyword).isKeyword(), keyword);
        }
        String knn = client.indices().getSettings(g -> g.index(index)).result().get(index).settings().index().knn()
                .toString();
        assertEquals("true", knn);
    }

    @Test
    void anExistingIndexWithAnotherDimensionFailsClearlyAndIsLeftAlone() throws IOException {
        String index = index("dimension");
        new IndexSetup(client, index, 768, "lucene", "cosinesimil").ensureIndex();
        TypeMapping before = mapping(index);

        IndexSetupException failure = assertThrows(IndexSetupException.class,
                () -> new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex());

        assertTrue(failure.getMessage().contains("index " + index + " maps image_embedding as a knn_vector with "
                + "dimension 768; expected dimension 512"), failure.getMessage());
        assertEquals(before.toString(), mapping(index).toString());
    }

    @Test
    void anExistingIndexWithAnotherTypeFailsClearly() throws IOException {
        String index = index("type");
        client.indices().create(c -> c.index(index)
                .mappings(m -> m.properties(DocumentFields.IMAGE_EMBEDDING, p -> p.float_(f -> f))));

        IndexSetupException failure = assertThrows(IndexSetupException.class,
                () -> new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex());

        assertTrue(failure.getMessage().contains("maps image_embedding as type float; expected knn_vector with "
                + "dimension 512"), failure.getMessage());
    }

    @Test
    void anExistingIndexWithoutTheEmbeddingFieldFailsClearly() throws IOException {
        String index = index("missing");
        client.indices().create(c -> c.index(index).mappings(m -> m.properties("title", p -> p.text(t -> t))));

        IndexSetupException failure = assertThrows(IndexSetupException.class,
                () -> new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex());

        assertTrue(failure.getMessage().contains("has no image_embedding field; expected knn_vector with dimension 512"),
                failure.getMessage());
        assertFalse(mapping(index).properties().containsKey(DocumentFields.IMAGE_HASH), "nothing added on failure");
    }

    @Test
    void missingOtherFieldsAreAddedAndExistingOnesKept() throws IOException {
        String index = index("partial");
        client.indices().create(c -> c.index(index)
                .settings(s -> s.knn(true))
                .mappings(m -> m
                        .properties(DocumentFields.IMAGE_EMBEDDING, p -> p.knnVector(k -> k.dimension(512)
                                .method(v -> v.name("hnsw").engine("lucene").spaceType("cosinesimil"))))
                        .properties(DocumentFields.IMAGE_HASH, p -> p.text(t -> t))
                        .properties("title", p -> p.text(t -> t))));

        IndexSetupResult result = new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex();

        assertFalse(result.created());
        assertEquals(List.of(DocumentFields.HAS_IMAGE_EMBEDDING, DocumentFields.IMAGE_EMBEDDING_MODEL,
                DocumentFields.IMAGE_EMBEDDING_UPDATED_AT, DocumentFields.IMAGE_EMBEDDING_ERROR,
                DocumentFields.IMAGE_SOURCE_SEQUENCER, DocumentFields.IMAGE_SOURCE_MODIFIED,
                DocumentFields.S3_BUCKET, DocumentFields.S3_KEY, DocumentFields.S3_URL), result.addedFields());
        assertEquals(1, result.warnings().size(), result.warnings().toString());
        assertTrue(result.warnings().get(0).contains("image_hash as text"), result.warnings().get(0));
        TypeMapping after = mapping(index);
        assertTrue(after.properties().get(DocumentFields.IMAGE_HASH).isText(), "an existing field is not changed");
        assertTrue(after.properties().get("title").isText());
        assertTrue(after.properties().get(DocumentFields.S3_KEY).isKeyword());
        assertEquals(List.of(), new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex().addedFields());
    }

    @Test
    void anUnknownEngineIsRefusedByTheServerWithItsReason() {
        String index = index("engine");
        IndexSetupException failure = assertThrows(IndexSetupException.class,
                () -> new IndexSetup(client, index, 512, "no-such-engine", "cosinesimil").ensureIndex());
        assertTrue(failure.getMessage().startsWith("could not create index " + index + ": "), failure.getMessage());
        assertTrue(failure.getMessage().contains("no-such-engine"), failure.getMessage());
    }

    @Test
    void aTextMappedModelFieldIsAnErrorWithTheFix() throws IOException {
        // As an index gets it when the first document's image_embedding_model came through dynamic mapping.
        String index = index("text-model");
        client.indices().create(c -> c.index(index).settings(s -> s.knn(true)).mappings(m -> m
                .properties(DocumentFields.IMAGE_EMBEDDING, p -> p.knnVector(k -> k.dimension(512)
                        .method(h -> h.name("hnsw").engine("lucene").spaceType("cosinesimil"))))
                .properties(DocumentFields.IMAGE_EMBEDDING_MODEL, p -> p.text(t -> t
                        .fields("keyword", f -> f.keyword(k -> k.ignoreAbove(256)))))));

        IndexSetupException failure = assertThrows(IndexSetupException.class,
                () -> new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex());

        assertTrue(failure.getMessage().contains("maps image_embedding_model as text, not keyword: the backfill's term"
                + " query on it never matches"), failure.getMessage());
        assertTrue(failure.getMessage().contains("Create a new index with image_embedding_model as keyword"),
                failure.getMessage());
    }

    @Test
    void aTextMappedLookupFieldIsAnErrorInLookupModeOnly() throws IOException {
        String index = index("text-key");
        client.indices().create(c -> c.index(index).settings(s -> s.knn(true)).mappings(m -> m
                .properties(DocumentFields.IMAGE_EMBEDDING, p -> p.knnVector(k -> k.dimension(512)
                        .method(h -> h.name("hnsw").engine("lucene").spaceType("cosinesimil"))))
                .properties(DocumentFields.S3_KEY, p -> p.text(t -> t
                        .fields("keyword", f -> f.keyword(k -> k.ignoreAbove(256)))))));

        IndexSetupException failure = assertThrows(IndexSetupException.class,
                () -> new IndexSetup(client, index, 512, "lucene", "cosinesimil", DocumentFields.S3_KEY).ensureIndex());
        assertTrue(failure.getMessage().contains("Set DOCUMENT_LOOKUP_FIELD=s3_key.keyword (its keyword sub-field)"),
                failure.getMessage());

        IndexSetupResult keyMode = new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex();
        assertTrue(keyMode.warnings().stream().anyMatch(w -> w.contains("s3_key as text")), keyMode.warnings().toString());
        new IndexSetup(client, index, 512, "lucene", "cosinesimil", "s3_key.keyword").ensureIndex();
    }

    @Test
    void writeProblemSaysWhyTheIndexCannotTakeWrites() throws IOException {
        String index = index("writable");
        IndexSetup setup = new IndexSetup(client, index, 512, "lucene", "cosinesimil");
        assertTrue(setup.writeProblem().orElseThrow().startsWith("index " + index + " does not exist: create it"));
        setup.ensureIndex();
        assertEquals(Optional.empty(), setup.writeProblem());

        client.indices().close(c -> c.index(index));
        assertEquals(Optional.of("index " + index + " is closed: open it (POST /" + index + "/_open)"), setup.writeProblem());
        client.indices().open(o -> o.index(index));
        assertEquals(Optional.empty(), setup.writeProblem());

        // An alias over two indices, neither marked as the write index.
        String second = index("writable-2");
        new IndexSetup(client, second, 512, "lucene", "cosinesimil").ensureIndex();
        String alias = LocalOpenSearch.uniqueIndex("writable-alias"); // goes with its indices
        client.indices().updateAliases(u -> u
                .actions(a -> a.add(add -> add.index(index).alias(alias)))
                .actions(a -> a.add(add -> add.index(second).alias(alias))));
        IndexSetup viaAlias = new IndexSetup(client, alias, 512, "lucene", "cosinesimil");
        assertTrue(viaAlias.writeProblem().orElseThrow().startsWith("alias " + alias + " has no write index"),
                viaAlias.writeProblem().toString());
        client.indices().updateAliases(u -> u.actions(a -> a.add(add -> add.index(second).alias(alias).isWriteIndex(true))));
        assertEquals(Optional.empty(), viaAlias.writeProblem());

        // Re-created by someone else's write with dynamic mappings: the vector field is a float.
        LocalOpenSearch.deleteIfExists(client, index);
        client.indices().create(c -> c.index(index).mappings(m -> m.properties(DocumentFields.IMAGE_EMBEDDING,
                p -> p.float_(f -> f))));
        assertTrue(setup.writeProblem().orElseThrow().contains("maps image_embedding as type float"),
                setup.writeProblem().toString());
    }

    private String index(String purpose) {
        String index = LocalOpenSearch.uniqueIndex(purpose);
        indices.add(index);
        return index;
    }

    private TypeMapping mapping(String index) throws IOException {
        return client.indices().getMapping(g -> g.index(index)).result().get(index).mappings();
    }
}

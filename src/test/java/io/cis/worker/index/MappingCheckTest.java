package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class MappingCheckTest {

    private static final EmbeddingMapping EXPECTED = new EmbeddingMapping(512, "lucene", "cosinesimil");
    private static final String ALL_OTHER_FIELDS = """
            "has_image_embedding": {"type": "boolean"},
            "image_embedding_model": {"type": "keyword"},
            "image_embedding_updated_at": {"type": "date"},
            "image_hash": {"type": "keyword"},
            "image_embedding_error": {"type": "keyword"},
            "image_source_sequencer": {"type": "keyword"},
            "image_source_modified": {"type": "date"},
            "s3_bucket": {"type": "keyword"},
            "s3_key": {"type": "keyword"},
            "s3_url": {"type": "keyword"}
            """;

    @Test
    void aMatchingMappingPasses() throws Exception {
        MappingCheck.Report report = MappingCheck.check("cis-files", json("""
                {"properties": {
                  "image_embedding": {"type": "knn_vector", "dimension": 512,
                    "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}},
                """ + ALL_OTHER_FIELDS + "}}"), EXPECTED);
        assertEquals(List.of(), report.problems());
        assertEquals(List.of(), report.warnings());
        assertEquals(List.of(), report.missingFields());
    }

    @Test
    void aWrongDimensionSaysWhatWasFoundAndExpected() throws Exception {
        MappingCheck.Report report = MappingCheck.check("cis-files", json("""
                {"properties": {"image_embedding": {"type": "knn_vector", "dimension": 768}}}"""), EXPECTED);
        assertEquals(List.of("index cis-files maps image_embedding as a knn_vector with dimension 768; "
                + "expected dimension 512 (the model's VECTOR_DIMENSION)"), report.problems());
    }

    @Test
    void anotherTypeIsAProblem() throws Exception {
        MappingCheck.Report report = MappingCheck.check("cis-files", json("""
                {"properties": {"image_embedding": {"type": "float"}}}"""), EXPECTED);
        assertEquals(List.of("index cis-files maps image_embedding as type float; "
                + "expected knn_vector with dimension 512"), report.problems());
    }

    @Test
    void aMissingEmbeddingFieldIsAProblemAndOtherFieldsAreListedForAdding() throws Exception {
        MappingCheck.Report report = MappingCheck.check("cis-files", json("""
                {"properties": {"title": {"type": "text"}}}"""), EXPECTED);
        assertEquals(List.of("index cis-files has no image_embedding field; expected knn_vector with dimension 512"),
                report.problems());
        assertEquals(List.copyOf(EmbeddingMapping.otherFieldTypes().keySet()), report.missingFields());
    }

    @Test
    void anIndexWithoutMappingsHasEverythingMissing() {
        MappingCheck.Report report = MappingCheck.check("empty", null, EXPECTED);
        assertEquals(1, report.problems().size());
        assertEquals(EmbeddingMapping.otherFieldTypes().size(), report.missingFields().size());
    }

    @Test
    void anotherEngineOrSpaceOrFieldTypeIsOnlyAWarning() throws Exception {
        MappingCheck.Report report = MappingCheck.check("cis-files", json("""
                {"properties": {
                  "image_embedding": {"type": "knn_vector", "dimension": 512,
                    "method": {"name": "hnsw", "engine": "faiss", "space_type": "l2"}},
                  "image_hash": {"type": "text"}}}"""), EXPECTED);
        assertEquals(List.of(), report.problems());
        assertEquals(3, report.warnings().size(), report.warnings().toString());
        assertTrue(report.warnings().get(0).contains("engine faiss"), report.warnings().get(0));
        assertTrue(report.warnings().get(1).contains("space type l2"), report.warnings().get(1));
        assertTrue(report.warnings().get(2).contains("image_hash as text"), report.warnings().get(2));
        assertTrue(!report.missingFields().contains("image_hash"));
        assertEquals(EmbeddingMapping.otherFieldTypes().size() - 1, report.missingFields().size());
    }

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }
}

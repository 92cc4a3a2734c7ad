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

    private static final String EMBEDDING = """
            "image_embedding": {"type": "knn_vector", "dimension": 512,
              "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}},
            """;

    @Test
    void aTextModelFieldIsAProblemWithTheFix() throws Exception {
        MappingCheck.Report report = MappingCheck.check("cis-files", json("{\"properties\": {" + EMBEDDING
                + ALL_OTHER_FIELDS.replace("\"image_embedding_model\": {\"type\": \"keyword\"}",
                "\"image_embedding_model\": {\"type\": \"text\", \"fields\": {\"keyword\": {\"type\": \"keyword\"}}}")
                + "}}"), EXPECTED);
        assertEquals(1, report.problems().size(), report.toString());
        String problem = report.problems().get(0);
        assertTrue(problem.startsWith("index cis-files maps image_embedding_model as text, not keyword: the backfill's"
                + " term query on it never matches"), problem);
        assertTrue(problem.contains("Create a new index with image_embedding_model as keyword"), problem);
        assertEquals(List.of(), report.warnings(), "an error, not a warning");
    }

    @Test
    void theLookupFieldMustBeAKeywordAndTheFixNamesItsKeywordSubField() throws Exception {
        String textKey = "{\"properties\": {" + EMBEDDING + ALL_OTHER_FIELDS.replace("\"s3_key\": {\"type\": \"keyword\"}",
                "\"s3_key\": {\"type\": \"text\", \"fields\": {\"raw\": {\"type\": \"keyword\"}}}") + "}}";
        MappingCheck.Report report = MappingCheck.check("cis-files", json(textKey), EXPECTED, "s3_key");
        assertEquals(1, report.problems().size(), report.toString());
        assertTrue(report.problems().get(0).startsWith("index cis-files maps DOCUMENT_LOOKUP_FIELD s3_key as text, not"
                + " keyword"), report.problems().get(0));
        assertTrue(report.problems().get(0).endsWith("Set DOCUMENT_LOOKUP_FIELD=s3_key.raw (its keyword sub-field)"),
                report.problems().get(0));

        assertEquals(List.of(), MappingCheck.check("cis-files", json(textKey), EXPECTED, "s3_key.raw").problems(),
                "the keyword sub-field is fine");
        assertEquals(List.of(), MappingCheck.check("cis-files", json(textKey), EXPECTED).problems(),
                "outside lookup mode s3_key is only written, never matched");
    }

    @Test
    void aLookupFieldInsideAnObjectIsFoundAndAMissingOneIsOnlyAWarning() throws Exception {
        String nested = "{\"properties\": {" + EMBEDDING + ALL_OTHER_FIELDS
                + ", \"file\": {\"properties\": {\"path\": {\"type\": \"text\"}, \"key\": {\"type\": \"keyword\"}}}}}";
        assertEquals(List.of(), MappingCheck.check("cis-files", json(nested), EXPECTED, "file.key").problems());
        MappingCheck.Report text = MappingCheck.check("cis-files", json(nested), EXPECTED, "file.path");
        assertTrue(text.problems().get(0).contains("DOCUMENT_LOOKUP_FIELD file.path as text"), text.toString());
        assertTrue(text.problems().get(0).endsWith("Set DOCUMENT_LOOKUP_FIELD to a keyword field holding the S3 key,"
                + " or map one in a new index and reindex"), text.toString());

        MappingCheck.Report missing = MappingCheck.check("cis-files", json(nested), EXPECTED, "file.url");
        assertEquals(List.of(), missing.problems());
        assertEquals(1, missing.warnings().size());
        assertTrue(missing.warnings().get(0).contains("no mapping for DOCUMENT_LOOKUP_FIELD file.url"), missing.toString());
    }

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }
}

package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch._types.query_dsl.Query;

/** The query's shape; what it selects on a real index is checked by BackfillIT. */
class BackfillQueryTest {

    private static final JacksonJsonpMapper MAPPER = new JacksonJsonpMapper();

    private static JsonNode json(Query query) throws Exception {
        StringWriter out = new StringWriter();
        try (var generator = MAPPER.jsonProvider().createGenerator(out)) {
            query.serialize(generator, MAPPER);
        }
        return new ObjectMapper().readTree(out.toString());
    }

    @Test
    void imagesAreKeysEndingInAnImageExtensionIgnoringCase() throws Exception {
        JsonNode q = json(BackfillQuery.imagesByKeyExtension("s3_key", Set.of("PNG", ".jpg")));
        JsonNode should = q.path("bool").path("should");
        assertEquals(2, should.size());
        assertEquals("*.jpg", should.get(0).path("wildcard").path("s3_key").path("value").asText());
        assertEquals("*.png", should.get(1).path("wildcard").path("s3_key").path("value").asText());
        assertTrue(should.get(0).path("wildcard").path("s3_key").path("case_insensitive").asBoolean());
        assertEquals("1", q.path("bool").path("minimum_should_match").asText());
    }

    @Test
    void selectsMissingOrStaleEmbeddingsAndLeavesRecordedFailuresOutUnlessRetried() throws Exception {
        Query images = BackfillQuery.imagesByKeyExtension("s3_key", List.of("jpg"));
        JsonNode q = json(BackfillQuery.needingEmbedding(images, "openai/clip-vit-base-patch32", false)).path("bool");

        assertEquals(json(images), q.path("filter").get(0));
        JsonNode either = q.path("filter").get(1).path("bool");
        assertEquals("1", either.path("minimum_should_match").asText());
        assertTrue(either.path("should").get(0).path("bool").path("must_not").get(0).path("term")
                .path("has_image_embedding").path("value").asBoolean());
        assertEquals("openai/clip-vit-base-patch32", either.path("should").get(1).path("bool").path("must_not").get(0)
                .path("term").path("image_embedding_model").path("value").asText());
        assertEquals("image_embedding_error", q.path("must_not").get(0).path("exists").path("field").asText());

        JsonNode retried = json(BackfillQuery.needingEmbedding(images, "m", true)).path("bool");
        assertTrue(retried.path("must_not").isMissingNode() || retried.path("must_not").isEmpty());
    }

    @Test
    void anOperatorsQueryIsParsedAsIs() throws Exception {
        Query query = BackfillQuery.parse("{\"terms\":{\"file_type\":[\"image\",\"photo\"]}}", MAPPER);
        assertEquals(new ObjectMapper().readTree("{\"terms\":{\"file_type\":[\"image\",\"photo\"]}}"), json(query));
        assertThrows(IllegalArgumentException.class, () -> BackfillQuery.parse("{\"no_such_query\":{}}", MAPPER));
    }
}

package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.json.stream.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.json.NdJsonpSerializable;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/** The JSON the bulk actions put on the wire, as OpenSearch will read it. */
class BulkActionsTest {

    private static final EmbeddingUpdate UPDATE = new EmbeddingUpdate("doc-1", "cis-images", "Fotos/été 1.jpg",
            new float[] {0.1f, -0.25f, 1.0E-5f}, "openai/clip-vit-base-patch32", "9e107d9d372bb6826bd81d3542a419d6",
            Instant.parse("2025-01-02T03:04:05.123456789Z"));

    @Test
    void anUpdateSetsTheEmbeddingFieldsAndClearsTheError() throws Exception {
        List<JsonNode> lines = ndjson(new BulkActions(MissingDocumentPolicy.FAIL, 3).toOperation(UPDATE));

        assertEquals(2, lines.size());
        JsonNode action = lines.get(0).get("update");
        assertEquals("doc-1", action.get("_id").asText());
        assertEquals(3, action.get("retry_on_conflict").asInt());

        JsonNode body = lines.get(1);
        assertFalse(body.has("upsert"), "FAIL policy must not create documents");
        assertFalse(body.has("doc_as_upsert"));
        assertFalse(body.has("detect_noop"), "OpenSearch's default, true, applies: an unchanged document is not rewritten");
        JsonNode doc = body.get("doc");
        assertEquals(List.of("image_embedding", "has_image_embedding", "image_embedding_model",
                "image_embedding_updated_at", "image_hash", "image_embedding_error"), fieldNames(doc));
        // Each float as its shortest decimal, not widened to double (0.1f would be 0.10000000149011612).
        assertTrue(rawLines(new BulkActions(MissingDocumentPolicy.FAIL, 3).toOperation(UPDATE)).get(1)
                .contains("\"image_embedding\":[0.1,-0.25,0.000010]"));
        assertEquals(0.1f, doc.get("image_embedding").get(0).floatValue());
        assertEquals(1.0E-5f, doc.get("image_embedding").get(2).floatValue());
        assertTrue(doc.get("has_image_embedding").booleanValue());
        assertEquals("openai/clip-vit-base-patch32", doc.get("image_embedding_model").asText());
        assertEquals("2025-01-02T03:04:05.123Z", doc.get("image_embedding_updated_at").asText());
        assertEquals("9e107d9d372bb6826bd81d3542a419d6", doc.get("image_hash").asText());
        assertTrue(doc.get("image_embedding_error").isNull(), "the error is cleared with an explicit null");
    }

    @Test
    void theUpsertPolicyCreatesMissingDocumentsWithTheS3Fields() throws Exception {
        JsonNode body = ndjson(new BulkActions(MissingDocumentPolicy.UPSERT, 2).toOperation(UPDATE)).get(1);

        assertTrue(body.get("doc").get("image_embedding_error").isNull());
        assertFalse(body.get("doc").has("s3_key"), "existing documents keep their own S3 fields");
        JsonNode upsert = body.get("upsert");
        // The error's null too, so a replay's "doc" finds every key it sets and is a no-op (see BulkActions).
        assertEquals(List.of("image_embedding", "has_image_embedding", "image_embedding_model",
                "image_embedding_updated_at", "image_hash", "image_embedding_error", "s3_bucket", "s3_key", "s3_url"),
                fieldNames(upsert));
        assertTrue(upsert.get("image_embedding_error").isNull());
        assertFalse(body.has("detect_noop"));
        assertEquals("cis-images", upsert.get("s3_bucket").asText());
        assertEquals("Fotos/été 1.jpg", upsert.get("s3_key").asText());
        assertEquals("s3://cis-images/Fotos/été 1.jpg", upsert.get("s3_url").asText());
        assertEquals(3, upsert.get("image_embedding").size());
    }

    @Test
    void anErrorRecordOnlySetsTheErrorAndNeverUpserts() throws Exception {
        List<JsonNode> lines = ndjson(new BulkActions(MissingDocumentPolicy.UPSERT, 3)
                .toOperation(new ErrorRecord("doc-9", "corrupt image: truncated JPEG")));

        assertEquals("doc-9", lines.get(0).get("update").get("_id").asText());
        JsonNode body = lines.get(1);
        assertEquals(List.of("doc"), fieldNames(body));
        assertEquals(List.of("image_embedding_error"), fieldNames(body.get("doc")));
        assertEquals("corrupt image: truncated JPEG", body.get("doc").get("image_embedding_error").asText());
    }

    /** Writes an operation the way the transport does: one JSON document per line. */
    private static List<JsonNode> ndjson(BulkOperation operation) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : rawLines(operation)) {
            lines.add(new ObjectMapper().readTree(line));
        }
        return lines;
    }

    private static List<String> rawLines(BulkOperation operation) {
        JsonpMapper mapper = new JacksonJsonpMapper();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write((NdJsonpSerializable) operation, mapper, out);
        return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
    }

    private static void write(NdJsonpSerializable value, JsonpMapper mapper, ByteArrayOutputStream out) {
        Iterator<?> parts = value._serializables();
        while (parts.hasNext()) {
            Object part = parts.next();
            if (part instanceof NdJsonpSerializable nested && part != value) {
                write(nested, mapper, out);
            } else {
                JsonGenerator generator = mapper.jsonProvider().createGenerator(out);
                mapper.serialize(part, generator);
                generator.close();
                out.write('\n');
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

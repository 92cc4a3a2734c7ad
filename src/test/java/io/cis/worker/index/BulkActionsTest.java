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
            Instant.parse("2025-01-02T03:04:05.123456789Z"), SourceVersion.UNKNOWN);

    private static final SourceVersion VERSION = SourceVersion.of("0055AED6DCD90281E5", Instant.parse("2025-01-02T03:04:00Z"));

    @Test
    void anUpdateIsTheOrderingScriptWithTheEmbeddingFieldsAndTheErrorCleared() throws Exception {
        List<JsonNode> lines = ndjson(new BulkActions(MissingDocumentPolicy.FAIL, 3).toOperation(UPDATE));

        assertEquals(2, lines.size());
        JsonNode action = lines.get(0).get("update");
        assertEquals("doc-1", action.get("_id").asText());
        assertEquals(3, action.get("retry_on_conflict").asInt());

        JsonNode body = lines.get(1);
        assertFalse(body.has("upsert"), "FAIL policy must not create documents");
        assertFalse(body.has("doc_as_upsert"));
        assertFalse(body.has("doc"), "a partial doc would skip the ordering check");
        assertEquals(List.of("image_source_sequencer", "image_source_modified"),
                texts(body.get("_source").get("includes")),
                "the stored version comes back, to tell a skipped write from an unchanged one");
        JsonNode script = body.get("script");
        assertEquals("painless", script.get("lang").asText());
        assertEquals(BulkActions.SCRIPT, script.get("source").asText());
        JsonNode params = script.get("params");
        assertEquals(List.of("doc"), fieldNames(params), "an unknown version sends nothing to order by");
        JsonNode doc = params.get("doc");
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
    void aKnownVersionIsSentToCompareAndWrittenWithTheFields() throws Exception {
        EmbeddingUpdate update = new EmbeddingUpdate("doc-1", "cis-images", "a.jpg", new float[] {1f}, "m", "h",
                Instant.parse("2025-01-02T03:04:05Z"), VERSION);
        JsonNode params = ndjson(new BulkActions(MissingDocumentPolicy.FAIL, 3).toOperation(update)).get(1)
                .get("script").get("params");

        assertEquals("55AED6DCD90281E5", params.get("sequencer").asText(), "normalised: no leading zeros");
        assertEquals("2025-01-02T03:04:00Z", params.get("modified").asText());
        assertEquals("55AED6DCD90281E5", params.get("doc").get("image_source_sequencer").asText());
        assertEquals("2025-01-02T03:04:00Z", params.get("doc").get("image_source_modified").asText());
    }

    @Test
    void theUpsertPolicyCreatesMissingDocumentsWithTheS3Fields() throws Exception {
        JsonNode body = ndjson(new BulkActions(MissingDocumentPolicy.UPSERT, 2).toOperation(UPDATE)).get(1);

        JsonNode doc = body.get("script").get("params").get("doc");
        assertTrue(doc.get("image_embedding_error").isNull());
        assertFalse(doc.has("s3_key"), "existing documents keep their own S3 fields");
        JsonNode upsert = body.get("upsert");
        // The error's null too, so a replay finds every key it sets and is a no-op (see BulkActions).
        assertEquals(List.of("image_embedding", "has_image_embedding", "image_embedding_model",
                "image_embedding_updated_at", "image_hash", "image_embedding_error", "s3_bucket", "s3_key", "s3_url"),
                fieldNames(upsert));
        assertTrue(upsert.get("image_embedding_error").isNull());
        assertFalse(body.has("scripted_upsert"), "a new document is the upsert as is");
        assertEquals("cis-images", upsert.get("s3_bucket").asText());
        assertEquals("Fotos/été 1.jpg", upsert.get("s3_key").asText());
        assertEquals("s3://cis-images/Fotos/été 1.jpg", upsert.get("s3_url").asText());
        assertEquals(3, upsert.get("image_embedding").size());
    }

    @Test
    void anErrorRecordOnlySetsTheErrorAndItsVersionAndNeverUpserts() throws Exception {
        List<JsonNode> lines = ndjson(new BulkActions(MissingDocumentPolicy.UPSERT, 3)
                .toOperation(new ErrorRecord("doc-9", "corrupt image: truncated JPEG", VERSION)));

        assertEquals("doc-9", lines.get(0).get("update").get("_id").asText());
        JsonNode body = lines.get(1);
        assertEquals(List.of("script", "_source"), fieldNames(body));
        JsonNode doc = body.get("script").get("params").get("doc");
        assertEquals(List.of("image_embedding_error", "image_source_sequencer", "image_source_modified"), fieldNames(doc));
        assertEquals("corrupt image: truncated JPEG", doc.get("image_embedding_error").asText());
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
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

package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.cache.ImageHashes;
import io.cis.worker.index.DocumentFields;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.testing.ClipReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.search.Hit;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * File documents as a backfill finds them on day one, in a fresh index, pointing at images in a test bucket: the
 * same few photos under many keys (which also exercises the embedding cache), and every kind of document the
 * selection must tell apart. Document ids are not the S3 keys, so an update reaching the right document proves
 * the backfill carried the id.
 */
final class BackfillFixture {

    /** What a document is before the backfill, which decides what it must be after. */
    enum Kind {
        /** An image without an embedding: selected, embedded. */
        MISSING,
        /** Already embedded with the current model: not selected, untouched. */
        CURRENT,
        /** Embedded with another model: selected, re-embedded. */
        STALE,
        /** Bytes that are no image: selected, error recorded. */
        CORRUPT,
        /** The S3 object does not exist: selected, error recorded. */
        NO_OBJECT,
        /** Not an image by its key: never selected. */
        NOT_IMAGE,
        /** Failed in an earlier run: selected only with --retry-failed. */
        FAILED_BEFORE
    }

    record Doc(String id, Kind kind, String key, ClipReference.Image image, String md5) {
    }

    static final String OTHER_MODEL = "openai/clip-vit-old-model";
    static final String PRESET_TIME = "2020-01-01T00:00:00.000Z";
    static final String EARLIER_ERROR = "corrupt image: earlier run";

    /** Decodable photos of several formats, small enough to upload quickly. */
    private static final List<String> PHOTOS = List.of("rocket.jpg", "coffee.png", "horse.png", "camera.png",
            "coins.png", "formats/coffee.webp", "formats/astronaut-progressive.jpg", "no_time_for_that_tiny.gif");
    private static final List<String> CORRUPT = List.of("truncated.jpg", "formats/random-bytes.png");

    private BackfillFixture() {
    }

    /**
     * The documents: {@code count} in ten kinds-per-ten (6 missing, 1 current, 1 stale, 1 corrupt, 1 without an
     * object), plus 10 non-images and 5 that failed before. Uploads every object a document points at.
     */
    static List<Doc> createObjects(S3Client s3, String bucket, int count) {
        Map<String, ClipReference.Image> references = ClipReference.images().stream()
                .filter(ClipReference.Image::decodable)
                .collect(Collectors.toMap(ClipReference.Image::file, i -> i));
        Map<String, byte[]> bytes = new HashMap<>();
        List<Doc> docs = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String id = String.format("doc-%04d", n);
            Kind kind = switch (n % 10) {
                case 6 -> Kind.CURRENT;
                case 7 -> Kind.STALE;
                case 8 -> Kind.CORRUPT;
                case 9 -> Kind.NO_OBJECT;
                default -> Kind.MISSING;
            };
            if (kind == Kind.NO_OBJECT) {
                docs.add(new Doc(id, kind, "photos/" + n + "/gone.jpg", null, null));
                continue;
            }
            String file = kind == Kind.CORRUPT ? CORRUPT.get((n / 10) % CORRUPT.size()) : PHOTOS.get((n + n / 10) % PHOTOS.size());
            String name = Path.of(file).getFileName().toString();
            if (n % 20 == 0) {
                name = name.toUpperCase(java.util.Locale.ROOT); // KEY.JPG is an image too
            }
            String key = "photos/" + n + "/" + name;
            byte[] content = bytes.computeIfAbsent(file, BackfillFixture::read);
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
            docs.add(new Doc(id, kind, key, references.get(file), ImageHashes.md5Hex(content)));
        }
        for (int n = 0; n < 10; n++) {
            docs.add(new Doc(String.format("other-%02d", n), Kind.NOT_IMAGE, "docs/" + n + "/report.pdf", null, null));
        }
        byte[] rocket = bytes.computeIfAbsent("rocket.jpg", BackfillFixture::read);
        for (int n = 0; n < 5; n++) {
            String key = "photos/failed-before/" + n + ".jpg";
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(rocket));
            docs.add(new Doc(String.format("failed-%02d", n), Kind.FAILED_BEFORE, key, references.get("rocket.jpg"),
                    ImageHashes.md5Hex(rocket)));
        }
        return docs;
    }

    private static byte[] read(String file) {
        try {
            return Files.readAllBytes(ClipReference.SHARED_IMAGES.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the index with the worker's own mapping and writes the documents as they were before the backfill. */
    static void createIndex(OpenSearchClient client, String index, String bucket, List<Doc> docs) throws IOException {
        new IndexSetup(client, index, 512, "lucene", "cosinesimil").ensureIndex();
        BulkRequest.Builder bulk = new BulkRequest.Builder().index(index).refresh(org.opensearch.client.opensearch._types.Refresh.True);
        for (Doc doc : docs) {
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("title", "file " + doc.id());
            source.put(DocumentFields.S3_BUCKET, bucket);
            source.put(DocumentFields.S3_KEY, doc.key());
            source.put(DocumentFields.S3_URL, "s3://" + bucket + "/" + doc.key());
            switch (doc.kind()) {
                case CURRENT -> presetEmbedding(source, ClipReference.modelName(), "preset-current", 0);
                case STALE -> presetEmbedding(source, OTHER_MODEL, "preset-stale", 1);
                case FAILED_BEFORE -> source.put(DocumentFields.IMAGE_EMBEDDING_ERROR, EARLIER_ERROR);
                default -> {
                }
            }
            bulk.operations(op -> op.index(i -> i.id(doc.id()).document(source)));
        }
        BulkResponse response = client.bulk(bulk.build());
        assertFalse(response.errors(), "fixture documents indexed");
    }

    private static void presetEmbedding(Map<String, Object> source, String model, String hash, int axis) {
        float[] vector = new float[512];
        vector[axis] = 1f;
        source.put(DocumentFields.IMAGE_EMBEDDING, vector);
        source.put(DocumentFields.HAS_IMAGE_EMBEDDING, true);
        source.put(DocumentFields.IMAGE_EMBEDDING_MODEL, model);
        source.put(DocumentFields.IMAGE_HASH, hash);
        source.put(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT, PRESET_TIME);
    }

    /** The documents a backfill without --retry-failed must select (and nothing else). */
    static Set<String> selectedIds(List<Doc> docs) {
        return ids(docs, d -> Set.of(Kind.MISSING, Kind.STALE, Kind.CORRUPT, Kind.NO_OBJECT).contains(d.kind()));
    }

    static Set<String> ids(List<Doc> docs, Predicate<Doc> which) {
        return docs.stream().filter(which).map(Doc::id).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    static Map<String, JsonNode> sources(OpenSearchClient client, String index) throws IOException {
        client.indices().refresh(r -> r.index(index));
        Map<String, JsonNode> sources = new HashMap<>();
        for (Hit<ObjectNode> hit : client.search(s -> s.index(index).size(10_000).query(q -> q.matchAll(m -> m)),
                ObjectNode.class).hits().hits()) {
            sources.put(hit.id(), hit.source());
        }
        return sources;
    }

    /** Every document is what a complete backfill must leave, checked one by one. */
    static void assertCompletelyBackfilled(OpenSearchClient client, String index, List<Doc> docs) throws IOException {
        Map<String, JsonNode> sources = sources(client, index);
        assertEquals(docs.size(), sources.size(), "no document created or lost");
        for (Doc doc : docs) {
            JsonNode source = sources.get(doc.id());
            assertNotNull(source, doc.id());
            String what = doc.id() + " (" + doc.kind() + ", " + doc.key() + "): " + withoutVector(source);
            switch (doc.kind()) {
                case MISSING, STALE -> assertEmbedded(doc, source, what);
                case CURRENT -> {
                    assertEquals("preset-current", source.path(DocumentFields.IMAGE_HASH).asText(), what);
                    assertEquals(PRESET_TIME, source.path(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT).asText(), what);
                    assertEquals(1.0, source.path(DocumentFields.IMAGE_EMBEDDING).get(0).asDouble(), what);
                }
                case CORRUPT -> {
                    assertFalse(source.path(DocumentFields.IMAGE_EMBEDDING_ERROR).asText("").isBlank(), what);
                    assertFalse(source.has(DocumentFields.HAS_IMAGE_EMBEDDING), what);
                }
                case NO_OBJECT -> {
                    assertTrue(source.path(DocumentFields.IMAGE_EMBEDDING_ERROR).asText("").startsWith("object_not_found"), what);
                    assertFalse(source.has(DocumentFields.HAS_IMAGE_EMBEDDING), what);
                }
                case NOT_IMAGE -> {
                    assertFalse(source.has(DocumentFields.HAS_IMAGE_EMBEDDING), what);
                    assertFalse(source.has(DocumentFields.IMAGE_EMBEDDING_ERROR), what);
                }
                case FAILED_BEFORE -> {
                    assertEquals(EARLIER_ERROR, source.path(DocumentFields.IMAGE_EMBEDDING_ERROR).asText(), what);
                    assertFalse(source.has(DocumentFields.HAS_IMAGE_EMBEDDING), what);
                }
            }
        }
    }

    /** The document holds this image's vector from the current model, with its hash, and no error. */
    static void assertEmbedded(Doc doc, JsonNode source, String what) {
        assertTrue(source.path(DocumentFields.HAS_IMAGE_EMBEDDING).asBoolean(), what);
        assertEquals(ClipReference.modelName(), source.path(DocumentFields.IMAGE_EMBEDDING_MODEL).asText(), what);
        assertEquals(doc.md5(), source.path(DocumentFields.IMAGE_HASH).asText(), what);
        assertTrue(source.path(DocumentFields.IMAGE_EMBEDDING_ERROR).isNull()
                || source.path(DocumentFields.IMAGE_EMBEDDING_ERROR).isMissingNode(), what);
        assertTrue(cosine(ClipReference.floats(source.path(DocumentFields.IMAGE_EMBEDDING)), doc.image().embedding()) >= 0.999,
                "embedding matches the reference vector of " + doc.image().file() + ": " + what);
    }

    static double cosine(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static String withoutVector(JsonNode source) {
        ObjectNode copy = ((ObjectNode) source).deepCopy();
        copy.remove(DocumentFields.IMAGE_EMBEDDING);
        return copy.toString();
    }
}

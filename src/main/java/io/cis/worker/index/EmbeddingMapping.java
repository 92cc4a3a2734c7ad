package io.cis.worker.index;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.opensearch.client.opensearch._types.mapping.Property;

/**
 * The fields this worker needs in the index, and how {@code image_embedding} is indexed.
 *
 * @param dimension length of the embedding ({@code VECTOR_DIMENSION}, 512 for CLIP ViT-B/32)
 * @param engine    k-NN engine of the HNSW graph: {@code lucene} locally, {@code faiss} is common on AWS
 * @param spaceType similarity, {@code cosinesimil} for CLIP
 */
public record EmbeddingMapping(int dimension, String engine, String spaceType) {

    public static final String KNN_VECTOR = "knn_vector";
    public static final String HNSW = "hnsw";

    public EmbeddingMapping {
        if (dimension < 1) {
            throw new IllegalArgumentException("vector dimension must be positive, got " + dimension);
        }
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(spaceType, "spaceType");
        if (engine.isBlank() || spaceType.isBlank()) {
            throw new IllegalArgumentException("k-NN engine and space type must not be blank");
        }
    }

    /** Field name to mapping type of every field except {@code image_embedding}. */
    public static Map<String, String> otherFieldTypes() {
        Map<String, String> types = new LinkedHashMap<>();
        types.put(DocumentFields.HAS_IMAGE_EMBEDDING, "boolean");
        types.put(DocumentFields.IMAGE_EMBEDDING_MODEL, "keyword");
        types.put(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT, "date");
        types.put(DocumentFields.IMAGE_HASH, "keyword");
        types.put(DocumentFields.IMAGE_EMBEDDING_ERROR, "keyword");
        types.put(DocumentFields.IMAGE_SOURCE_SEQUENCER, "keyword");
        types.put(DocumentFields.IMAGE_SOURCE_MODIFIED, "date");
        types.put(DocumentFields.S3_BUCKET, "keyword");
        types.put(DocumentFields.S3_KEY, "keyword");
        types.put(DocumentFields.S3_URL, "keyword");
        return types;
    }

    /** Every field, for creating the index. */
    public Map<String, Property> properties() {
        Map<String, Property> properties = new LinkedHashMap<>();
        properties.put(DocumentFields.IMAGE_EMBEDDING, Property.of(p -> p.knnVector(k -> k
                .dimension(dimension)
                .method(m -> m.name(HNSW).engine(engine).spaceType(spaceType)))));
        otherFieldTypes().forEach((name, type) -> properties.put(name, simpleProperty(type)));
        return properties;
    }

    static Property simpleProperty(String type) {
        return switch (type) {
            case "boolean" -> Property.of(p -> p.boolean_(b -> b));
            case "keyword" -> Property.of(p -> p.keyword(k -> k));
            case "date" -> Property.of(p -> p.date(d -> d));
            default -> throw new IllegalArgumentException("no property for type " + type);
        };
    }
}

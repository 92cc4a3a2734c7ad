package io.cis.worker.index;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares one concrete index's existing mapping with what the worker needs. Pure, so each message is tested
 * without a server.
 *
 * <p>Problems make the index unusable (the embedding field is missing, not a {@code knn_vector}, or of another
 * dimension); warnings describe differences that still work (another engine or space type, a field of an
 * unexpected type); missing fields can be added to the mapping without touching existing data.
 */
final class MappingCheck {

    record Report(List<String> problems, List<String> warnings, List<String> missingFields) {
    }

    private MappingCheck() {
    }

    /**
     * @param index    concrete index name, for messages
     * @param mappings the index's {@code mappings} object from {@code GET /index/_mapping}
     */
    static Report check(String index, JsonNode mappings, EmbeddingMapping expected) {
        Objects.requireNonNull(expected, "expected");
        JsonNode properties = mappings == null ? null : mappings.get("properties");
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> missing = new ArrayList<>();

        String wanted = "expected " + EmbeddingMapping.KNN_VECTOR + " with dimension " + expected.dimension();
        JsonNode embedding = properties == null ? null : properties.get(DocumentFields.IMAGE_EMBEDDING);
        if (embedding == null) {
            problems.add("index " + index + " has no " + DocumentFields.IMAGE_EMBEDDING + " field; " + wanted);
        } else {
            String type = embedding.path("type").asText("object");
            if (!EmbeddingMapping.KNN_VECTOR.equals(type)) {
                problems.add("index " + index + " maps " + DocumentFields.IMAGE_EMBEDDING + " as type " + type + "; "
                        + wanted);
            } else if (!embedding.has("dimension")) {
                problems.add("index " + index + " maps " + DocumentFields.IMAGE_EMBEDDING + " as a "
                        + EmbeddingMapping.KNN_VECTOR + " without a dimension (" + embedding + "); " + wanted);
            } else if (embedding.get("dimension").asInt() != expected.dimension()) {
                problems.add("index " + index + " maps " + DocumentFields.IMAGE_EMBEDDING + " as a "
                        + EmbeddingMapping.KNN_VECTOR + " with dimension " + embedding.get("dimension").asText()
                        + "; expected dimension " + expected.dimension() + " (the model's VECTOR_DIMENSION)");
            } else {
                JsonNode method = embedding.path("method");
                String engine = method.path("engine").asText("");
                if (!engine.isEmpty() && !engine.equals(expected.engine())) {
                    warnings.add("index " + index + " indexes " + DocumentFields.IMAGE_EMBEDDING + " with engine "
                            + engine + ", not the configured " + expected.engine() + "; the index's engine is used");
                }
                String space = method.path("space_type").asText(embedding.path("space_type").asText(""));
                if (!space.isEmpty() && !space.equals(expected.spaceType())) {
                    warnings.add("index " + index + " compares " + DocumentFields.IMAGE_EMBEDDING + " with space type "
                            + space + ", not the configured " + expected.spaceType() + "; k-NN scores follow " + space);
                }
            }
        }

        for (Map.Entry<String, String> field : EmbeddingMapping.otherFieldTypes().entrySet()) {
            JsonNode existing = properties == null ? null : properties.get(field.getKey());
            if (existing == null) {
                missing.add(field.getKey());
            } else {
                String type = existing.path("type").asText("object");
                if (!type.equals(field.getValue())) {
                    warnings.add("index " + index + " maps " + field.getKey() + " as " + type + ", not "
                            + field.getValue() + "; left as it is");
                }
            }
        }
        return new Report(List.copyOf(problems), List.copyOf(warnings), List.copyOf(missing));
    }
}

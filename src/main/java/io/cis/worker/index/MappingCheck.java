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
 * dimension; {@code image_embedding_model} or the lookup field not a {@code keyword}); warnings describe differences
 * that still work (another engine or space type, another field of an unexpected type); missing fields can be added
 * to the mapping without touching existing data.
 *
 * <p>Why a non-keyword {@code image_embedding_model} or lookup field is a problem, not a warning: both are matched
 * with {@code term} queries on the whole value (the backfill's "documents without this model's embedding", the
 * lookup of a document by its S3 key). A {@code text} field holds analysed tokens, so those queries never match: the
 * backfill would select every document forever, and every lookup would find no document. The worker would run and
 * do nothing useful, which is worse than refusing to start with the fix.
 */
final class MappingCheck {

    private static final String KEYWORD = "keyword";

    record Report(List<String> problems, List<String> warnings, List<String> missingFields) {
    }

    private MappingCheck() {
    }

    /** The check without a lookup field (the key and url_hash id modes). */
    static Report check(String index, JsonNode mappings, EmbeddingMapping expected) {
        return check(index, mappings, expected, null);
    }

    /**
     * @param index       concrete index name, for messages
     * @param mappings    the index's {@code mappings} object from {@code GET /index/_mapping}
     * @param lookupField DOCUMENT_LOOKUP_FIELD in lookup mode (a dotted path: an object's field or a multi-field
     *                    such as {@code s3_key.keyword}); null in the other id modes
     */
    static Report check(String index, JsonNode mappings, EmbeddingMapping expected, String lookupField) {
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
                if (field.getKey().equals(DocumentFields.IMAGE_EMBEDDING_MODEL) && !type.equals(KEYWORD)) {
                    problems.add("index " + index + " maps " + field.getKey() + " as " + type + ", not keyword: the"
                            + " backfill's term query on it never matches, so every document would be selected again"
                            + " and again. Create a new index with " + field.getKey() + " as keyword (the create-index"
                            + " command does) and reindex into it, or point OPENSEARCH_INDEX at another index");
                } else if (!type.equals(field.getValue())) {
                    warnings.add("index " + index + " maps " + field.getKey() + " as " + type + ", not "
                            + field.getValue() + "; left as it is");
                }
            }
        }
        if (lookupField != null) {
            checkLookupField(index, properties, lookupField, problems, warnings);
        }
        return new Report(List.copyOf(problems), List.copyOf(warnings), List.copyOf(missing));
    }

    private static void checkLookupField(String index, JsonNode properties, String lookupField, List<String> problems,
                                         List<String> warnings) {
        JsonNode field = field(properties, lookupField);
        if (field == null) {
            // Not an error: a new index gets the default s3_key added; another field may only come with the documents.
            warnings.add("index " + index + " has no mapping for DOCUMENT_LOOKUP_FIELD " + lookupField + " yet; map it as"
                    + " keyword before documents arrive, or lookups will find nothing");
            return;
        }
        String type = field.path("type").asText("object");
        if (type.equals(KEYWORD)) {
            return;
        }
        String keywordSubField = null;
        for (Map.Entry<String, JsonNode> sub : field.path("fields").properties()) {
            if (KEYWORD.equals(sub.getValue().path("type").asText())) {
                keywordSubField = lookupField + "." + sub.getKey();
                break;
            }
        }
        problems.add("index " + index + " maps DOCUMENT_LOOKUP_FIELD " + lookupField + " as " + type + ", not keyword:"
                + " the lookup's terms query on it never matches an S3 key, so no document would ever be found. "
                + (keywordSubField != null
                ? "Set DOCUMENT_LOOKUP_FIELD=" + keywordSubField + " (its keyword sub-field)"
                : "Set DOCUMENT_LOOKUP_FIELD to a keyword field holding the S3 key, or map one in a new index and reindex"));
    }

    /** The mapping of a dotted field path: through objects' properties and multi-fields' fields; null if unmapped. */
    static JsonNode field(JsonNode properties, String path) {
        if (properties == null) {
            return null;
        }
        int dot = path.indexOf('.');
        JsonNode direct = properties.get(path);
        if (direct != null || dot < 0) {
            return direct;
        }
        // Field names may contain dots themselves; try each split point from the left.
        for (int at = dot; at >= 0; at = path.indexOf('.', at + 1)) {
            JsonNode parent = properties.get(path.substring(0, at));
            if (parent == null) {
                continue;
            }
            String rest = path.substring(at + 1);
            JsonNode found = field(parent.get("properties"), rest);
            if (found == null) {
                found = field(parent.get("fields"), rest);
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}

package io.cis.worker.backfill;

import io.cis.worker.index.DocumentFields;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.query_dsl.Query;

/**
 * Which documents an OpenSearch backfill selects: image documents (by default, a key field ending in one of the
 * image extensions) whose embedding is missing or was made by another model, minus those that already failed
 * (unless failures are retried). Documents leave the selection as they are embedded or recorded as failed, which
 * is why an interrupted backfill simply continues when run again.
 */
public final class BackfillQuery {

    private BackfillQuery() {
    }

    /**
     * The default image filter: {@code keyField} ends with {@code .EXT} for one of the extensions, ignoring case
     * ({@code wildcard} queries with {@code case_insensitive}). A leading wildcard visits every distinct key once
     * per search, which a one-off backfill can afford; an index with a file-type field can use BACKFILL_IMAGE_QUERY
     * instead.
     */
    public static Query imagesByKeyExtension(String keyField, Collection<String> extensions) {
        Objects.requireNonNull(keyField, "keyField");
        TreeSet<String> sorted = new TreeSet<>();
        extensions.forEach(e -> sorted.add(e.toLowerCase(Locale.ROOT).replaceFirst("^\\.", "")));
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("at least one image extension is required");
        }
        return Query.of(q -> q.bool(b -> {
            sorted.forEach(ext -> b.should(s -> s.wildcard(w -> w.field(keyField).value("*." + ext).caseInsensitive(true))));
            return b.minimumShouldMatch("1");
        }));
    }

    /** An operator's query (BACKFILL_IMAGE_QUERY), e.g. {@code {"terms":{"file_type":["image"]}}}. */
    public static Query parse(String json, JsonpMapper mapper) {
        try (JsonParser parser = mapper.jsonProvider().createParser(new StringReader(json))) {
            return Query._DESERIALIZER.deserialize(parser, mapper);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("BACKFILL_IMAGE_QUERY is not an OpenSearch query: " + e.getMessage(), e);
        }
    }

    /**
     * @param images      which documents are images
     * @param modelName   the current MODEL_NAME: vectors from any other model are stale
     * @param retryFailed also select documents carrying an {@code image_embedding_error}
     */
    public static Query needingEmbedding(Query images, String modelName, boolean retryFailed) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(modelName, "modelName");
        Query missing = Query.of(q -> q.bool(b -> b.mustNot(n -> n.term(t -> t
                .field(DocumentFields.HAS_IMAGE_EMBEDDING).value(FieldValue.of(true))))));
        Query stale = Query.of(q -> q.bool(b -> b.mustNot(n -> n.term(t -> t
                .field(DocumentFields.IMAGE_EMBEDDING_MODEL).value(FieldValue.of(modelName))))));
        return Query.of(q -> q.bool(b -> {
            b.filter(images);
            b.filter(f -> f.bool(either -> either.should(missing).should(stale).minimumShouldMatch("1")));
            if (!retryFailed) {
                b.mustNot(n -> n.exists(e -> e.field(DocumentFields.IMAGE_EMBEDDING_ERROR)));
            }
            return b;
        }));
    }
}

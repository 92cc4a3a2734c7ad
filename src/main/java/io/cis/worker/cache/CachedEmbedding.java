package io.cis.worker.cache;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * An embedding with the time it was computed, as the cache keeps it.
 *
 * <p>{@code createdAt} is kept to whole seconds, the precision of the cache item's {@code created_at} (epoch seconds),
 * so an embedding carries the same time whether it was just computed or read back from the cache later. That time is
 * what the document's {@code image_embedding_updated_at} gets, which makes writing the same embedding again an
 * OpenSearch no-op.
 *
 * @param vector    the L2-normalised embedding
 * @param createdAt when it was computed, truncated to whole seconds
 */
public record CachedEmbedding(float[] vector, Instant createdAt) {

    public CachedEmbedding {
        Objects.requireNonNull(vector, "vector");
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.SECONDS);
    }

    /**
     * The index of the first NaN or infinite component, or -1 when every component is finite. Such a vector is never
     * cached: a cache would give it to every later copy of the picture, and the index cannot take it.
     */
    public int firstNonFiniteComponent() {
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The same entry with its own copy of the vector, so that neither side can change the other's array. */
    public CachedEmbedding copy() {
        return new CachedEmbedding(vector.clone(), createdAt);
    }
}

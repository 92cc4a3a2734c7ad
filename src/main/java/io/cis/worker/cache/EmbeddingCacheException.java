package io.cis.worker.cache;

import java.util.Map;

/**
 * A cache operation that did not complete. A lookup that failed part way carries the hits it had already found,
 * so a caller that tolerates cache errors can still use them.
 */
public final class EmbeddingCacheException extends RuntimeException {

    private final transient Map<String, CachedEmbedding> hitsBeforeFailure;

    public EmbeddingCacheException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public EmbeddingCacheException(String message, Throwable cause, Map<String, CachedEmbedding> hitsBeforeFailure) {
        super(message, cause);
        this.hitsBeforeFailure = Map.copyOf(hitsBeforeFailure);
    }

    /** Hits found before the failure; empty for stores and for lookups that found nothing. */
    public Map<String, CachedEmbedding> hitsBeforeFailure() {
        return hitsBeforeFailure;
    }
}

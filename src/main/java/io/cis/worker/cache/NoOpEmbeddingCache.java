package io.cis.worker.cache;

import java.util.Collection;
import java.util.Map;

/** The cache when it is disabled: every lookup misses and nothing is stored. */
public final class NoOpEmbeddingCache implements EmbeddingCache {

    @Override
    public Map<String, CachedEmbedding> lookup(Collection<String> imageHashes) {
        return Map.of();
    }

    @Override
    public void store(Map<String, CachedEmbedding> embeddings) {
        // Disabled on purpose: nothing to keep.
    }
}

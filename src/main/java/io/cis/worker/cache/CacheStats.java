package io.cis.worker.cache;

/**
 * Counters of a {@link ResilientEmbeddingCache} since it was created.
 *
 * @param lookups distinct image hashes asked for (so {@code lookups == hits + misses})
 * @param hits    hashes answered with an embedding
 * @param misses  hashes not answered, including those of failed lookups
 * @param errors  lookups and stores that failed (each swallowed, never passed on)
 */
public record CacheStats(long lookups, long hits, long misses, long errors) {
}

package io.cis.worker.cache;

import java.util.Collection;
import java.util.Map;

/**
 * Embeddings cached by image content hash, so the same picture is never embedded twice.
 *
 * <p>Keys are the lowercase MD5 hex of the image bytes ({@link ImageHashes#md5Hex(byte[])}), the key the old Lambda
 * uses, so entries written by either side are hits for the other. Each entry keeps when its embedding was computed
 * ({@link CachedEmbedding#createdAt()}), and a hit gives that time back.
 */
public interface EmbeddingCache {

    /**
     * Returns the cached embeddings for the given hashes; hashes without a usable entry are simply absent (misses).
     * Duplicate hashes are looked up once.
     */
    Map<String, CachedEmbedding> lookup(Collection<String> imageHashes);

    /** Stores embeddings by image hash, each with the time it was computed. */
    void store(Map<String, CachedEmbedding> embeddings);
}

package io.cis.worker.cache;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Distinct, recognisable hashes and vectors for tests. */
final class TestEmbeddings {

    /** When the test entries were computed, unless a test says otherwise. */
    static final Instant CREATED_AT = Instant.ofEpochSecond(1_700_000_000L);

    private TestEmbeddings() {
    }

    static String hash(int i) {
        return ImageHashes.md5Hex(("image-" + i).getBytes(StandardCharsets.UTF_8));
    }

    static List<String> hashes(int from, int toExclusive) {
        List<String> hashes = new ArrayList<>();
        for (int i = from; i < toExclusive; i++) {
            hashes.add(hash(i));
        }
        return hashes;
    }

    /** A vector that differs per image and per component, including values that are awkward as decimal text. */
    static float[] vector(int i, int dimension) {
        float[] vector = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            vector[d] = (float) Math.sin(i * 31.0 + d) / (d + 1);
        }
        return vector;
    }

    /** Image i's vector as a cache entry computed at {@link #CREATED_AT}. */
    static CachedEmbedding entry(int i, int dimension) {
        return new CachedEmbedding(vector(i, dimension), CREATED_AT);
    }

    static Map<String, CachedEmbedding> embeddings(int from, int toExclusive, int dimension) {
        Map<String, CachedEmbedding> embeddings = new LinkedHashMap<>();
        for (int i = from; i < toExclusive; i++) {
            embeddings.put(hash(i), entry(i, dimension));
        }
        return embeddings;
    }
}

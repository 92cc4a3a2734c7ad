package io.cis.worker.embed;

import java.util.List;

/** The fidelity tests' shared steps: embed tensors in batches of a given size, and the worst cosine of two runs. */
final class BatchedEmbedding {

    private BatchedEmbedding() {
    }

    static float[][] embed(ClipModel model, List<float[]> pixels, int batchSize) {
        float[][] vectors = new float[pixels.size()][];
        try (ImageEmbedder embedder = model.newEmbedder(batchSize)) {
            for (int start = 0; start < pixels.size(); start += batchSize) {
                float[][] out = embedder.embed(pixels.subList(start, Math.min(pixels.size(), start + batchSize)));
                System.arraycopy(out, 0, vectors, start, out.length);
            }
        }
        return vectors;
    }

    static double worstCosine(float[][] reference, float[][] actual) {
        double worst = 1;
        for (int i = 0; i < reference.length; i++) {
            worst = Math.min(worst, VectorMath.cosine(reference[i], actual[i]));
        }
        return worst;
    }
}

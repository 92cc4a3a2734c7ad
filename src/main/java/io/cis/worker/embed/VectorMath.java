package io.cis.worker.embed;

/** Small vector helpers shared by inference and tests. */
public final class VectorMath {

    private VectorMath() {
    }

    /** Scales in place to unit length (the vector is returned for chaining); a zero vector stays zero. */
    public static float[] l2Normalize(float[] vector) {
        double sumOfSquares = 0;
        for (float v : vector) {
            sumOfSquares += (double) v * v;
        }
        if (sumOfSquares > 0) {
            float scale = (float) (1.0 / Math.sqrt(sumOfSquares));
            for (int i = 0; i < vector.length; i++) {
                vector[i] *= scale;
            }
        }
        return vector;
    }

    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("length " + a.length + " vs " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}

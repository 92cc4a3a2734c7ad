package io.cis.worker.embed;

import io.cis.worker.image.ImageDecodeException;
import io.cis.worker.image.ImagePreprocessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * MODEL_PRECISION=auto's last word on bf16: the photos bundled in the jar ({@code precision-check/}: varied, one
 * camera-sized JPEG) go through the worker's own decode path once and then through both exports, and bf16 is kept
 * only if every vector is within {@link #MIN_COSINE} of the fp32 export's. The test weights pass with room to spare;
 * what this guards is an operator's real weights, which cannot be tested here and whose activations have outliers
 * that bf16 rounds worse than random weights'.
 */
public final class PrecisionSelfCheck {

    /** The fidelity every fast path must keep against the exact fp32 path (../shared/design.md). */
    public static final double MIN_COSINE = 0.9999;

    static final List<String> PHOTOS = List.of("chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg",
            "camera.png", "coffee-3000x2000.jpg");
    private static final String RESOURCE_DIR = "/precision-check/";

    /**
     * @param minCosine the lowest cosine between the two exports' vectors of one photo
     * @param worstPhoto the photo it was measured on
     * @param took       preprocessing and both exports' inference (not the loading of the fp32 export)
     */
    public record Result(double minCosine, String worstPhoto, Duration took) {
        public boolean passed() {
            return minCosine >= MIN_COSINE;
        }
    }

    private PrecisionSelfCheck() {
    }

    public static Result run(ClipModel fp32, ClipModel bf16, ImagePreprocessor preprocessor) {
        long start = System.nanoTime();
        List<float[]> pixels = new ArrayList<>();
        for (String photo : PHOTOS) {
            pixels.add(preprocess(photo, preprocessor));
        }
        float[][] exact = fp32.embedOnce(pixels);
        float[][] fast = bf16.embedOnce(pixels);
        double min = Double.POSITIVE_INFINITY;
        String worst = null;
        for (int i = 0; i < pixels.size(); i++) {
            double cosine = VectorMath.cosine(exact[i], fast[i]);
            if (!(cosine >= min)) { // NaN (a broken export) counts as the worst
                min = cosine;
                worst = PHOTOS.get(i);
            }
        }
        return new Result(min, worst, Duration.ofNanos(System.nanoTime() - start));
    }

    private static float[] preprocess(String photo, ImagePreprocessor preprocessor) {
        try (InputStream in = PrecisionSelfCheck.class.getResourceAsStream(RESOURCE_DIR + photo)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + RESOURCE_DIR + photo);
            }
            return preprocessor.preprocess(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ImageDecodeException e) {
            throw new IllegalStateException("cannot decode the bundled photo " + photo + ": " + e.getMessage(), e);
        }
    }
}

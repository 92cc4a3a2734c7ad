package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.bench.BenchImageSet;
import io.cis.worker.bench.BenchImageSet.RenderKind;
import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.Downscale;
import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.testing.ClipReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Render-like PNGs of every kind (8- and 16-bit, RGB and RGBA) from 1080p to 4K on the default path (libpng, n x n
 * block averages with gap 4 and halves rounded to even, the bicubic resize over the same region) against the exact
 * path: within cosine 0.9999 with the fp32 model, and with the bf16 export that MODEL_PRECISION=auto picks, at batch 1
 * and 8. With gap 3 (3 x 3 blocks for a 2160-pixel side) the brick render here read 0.999929 (fp32) and 0.999887
 * (bf16); with gap 4 and Pillow's halves-up rounding 0.999803 and 0.999788.
 */
class PngRenderFidelityTest {

    private static final double MIN_COSINE = 0.9999;
    private static final ImagePreprocessor EXACT = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.EXACT);
    private static final ImagePreprocessor DEFAULT = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.DCT);
    private static final String[] SOURCES = {"astronaut.png", "chelsea.png", "coffee.png", "brick.png"};
    private static final int[][] SIZES = {{1920, 1080}, {3840, 2160}, {2160, 2160}};

    private static ClipModel fp32;
    private static ClipModel bf16;

    @BeforeAll
    static void load() {
        fp32 = ClipReference.loadModel();
        bf16 = ClipModel.load(ModelChoice.bf16Export(ClipReference.MODEL), ClipReference.modelName(), 512, Optional.empty());
    }

    @AfterAll
    static void close() {
        fp32.close();
        bf16.close();
    }

    @Test
    void rendersStayWithinCosineOfTheExactPath() throws Exception {
        List<float[]> exact = new ArrayList<>();
        List<float[]> fast = new ArrayList<>();
        int n = 0;
        for (RenderKind kind : RenderKind.values()) {
            for (int[] size : SIZES) {
                if (size[0] == 2160 && kind.ordinal() % 2 == 1) {
                    continue; // the square size for two kinds only: the set stays quick to make
                }
                byte[] png = BenchImageSet.render(ClipReference.SHARED_IMAGES, SOURCES[n % SOURCES.length], size[0],
                        size[1], kind, 100 + n);
                exact.add(EXACT.preprocess(png));
                fast.add(DEFAULT.preprocess(png));
                n++;
            }
        }
        float[][] reference = BatchedEmbedding.embed(fp32, exact, 1);
        double decodeOnly = BatchedEmbedding.worstCosine(reference, BatchedEmbedding.embed(fp32, fast, 1));
        double single = BatchedEmbedding.worstCosine(reference, BatchedEmbedding.embed(bf16, fast, 1));
        double batched = BatchedEmbedding.worstCosine(reference, BatchedEmbedding.embed(bf16, fast, 8));
        System.out.printf("PNG renders: the bf16 export alone (exact pixels) %.6f%n",
                BatchedEmbedding.worstCosine(reference, BatchedEmbedding.embed(bf16, exact, 1)));
        System.out.printf("PNG renders (%d, 1080p-4K, 8/16-bit RGB/RGBA), default vs exact: min cosine %.6f (fp32), "
                + "%.6f (bf16, batch 1), %.6f (bf16, batch 8)%n", n, decodeOnly, single, batched);
        assertTrue(n >= 10, "renders: " + n);
        assertTrue(decodeOnly >= MIN_COSINE, "fp32: min cosine " + decodeOnly);
        assertTrue(single >= MIN_COSINE, "bf16, batch 1: min cosine " + single);
        assertTrue(batched >= MIN_COSINE, "bf16, batch 8: min cosine " + batched);
    }
}

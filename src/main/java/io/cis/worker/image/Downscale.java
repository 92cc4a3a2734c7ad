package io.cis.worker.image;

/**
 * How a large picture gets down towards CLIP's 224 pixels. Only {@link #EXACT} reproduces the reference pipeline
 * bit for bit (PIL decodes every pixel, then one antialiased bicubic resize); the others trade a little fidelity
 * for much less work on large photos, shrinking by a whole factor n while the shorter side stays at least
 * {@code gap} x 224, so the final bicubic resize still does part of the antialiasing. Measured by
 * {@code bench fidelity} (see the README's benchmark section).
 */
public enum Downscale {
    /** Every pixel decoded, one bicubic resize straight to 224: equal to the reference. */
    EXACT(0),
    /**
     * The default. JPEGs (8-bit, grey or YCbCr) are decoded by SIMD libjpeg-turbo at 1/2, 1/4 or 1/8 scale: the
     * inverse DCT itself produces the smaller picture (each output pixel the average of an n x n block), so most of
     * the decoding and all the full-size pixels are skipped. The bicubic resize then runs over the exact fractional
     * region the full picture covers, so the geometry equals the full resize's. Gap 4: the scaled inverse DCT is
     * a harsher low-pass than an n x n average, and with gap 3 a 3129 x 3129 camera-sized photo read at 1/4 (782
     * pixels) moved to cosine 0.999905 of the exact path (0.999886 with the bf16 export on top); with gap 4 it is read
     * at 1/2 and the worst of 40 such photos is 0.999966 (0.999952 with bf16; DefaultPathFidelityTest). JPEGs too
     * small to shrink are decoded at full size by the same libjpeg-turbo (the pixels of {@link #EXACT}, four times
     * faster than ImageIO); CMYK JPEGs are decoded as in {@link #EXACT}. Other formats are decoded in full (plain PNGs
     * by libpng, whose pixels equal the exact decode's; the rest as in {@link #EXACT}), then a large picture is
     * averaged in n x n blocks ({@link #blockFactor}, halves rounded to even) and resized over the same region. The
     * resize runs its vertical pass first ({@link ColumnsFirstResampler}: the same kernel, twice as fast, within a few
     * levels).
     */
    DCT(4),
    /**
     * Every pixel decoded, then n x n blocks averaged (Pillow's own {@code reduce}, which its {@code reducing_gap}
     * option uses), then the bicubic resize over the same region: the resize's cost shrinks by n squared. Gap 3,
     * the value Pillow documents as indistinguishable from the full resize in most cases (gap 2 moved vectors up
     * to 1.3e-4 in cosine on the benchmark set).
     */
    REDUCE(3),
    /**
     * JPEGs only: the decoder keeps every n-th pixel of every n-th row (ImageIO source subsampling), so far less is
     * decoded and nothing is averaged: fastest, but fine texture and noise alias into the result. Gap 2.
     */
    SUBSAMPLE(2);

    private final int gap;

    Downscale(int gap) {
        this.gap = gap;
    }

    /** Shorter side this mode stops at (0 for exact: no early shrinking). */
    public int minSide() {
        return gap * ClipPreprocessor.SIZE;
    }

    /**
     * With {@link #DCT}, the whole factor n a picture other than a JPEG is averaged by in n x n blocks before the
     * bicubic resize: any n that keeps the shorter side at least {@link #minSide()} (gap 4, as for JPEGs: with gap 3
     * a 2160 x 2160 render averaged in 3 x 3 blocks moved to cosine 0.999929 of the exact path with the small test
     * model, 0.999887 with the bf16 export; at 2 x 2 it is 0.999962 and 0.999941; PngRenderFidelityTest). 1 in the
     * other modes (REDUCE averages in the preprocessor).
     */
    int blockFactor(int width, int height) {
        return this == DCT ? Math.max(1, Math.min(width, height) / minSide()) : 1;
    }

    /**
     * The whole factor n to shrink a picture of this size by: 1 when it is too small to gain anything. For
     * {@link #DCT} the largest of 2, 4 and 8 (the scales libjpeg's inverse DCT offers) that keeps the shorter side
     * at least {@link #minSide()}.
     */
    int factor(int width, int height) {
        int most = gap == 0 ? 1 : Math.max(1, Math.min(width, height) / minSide());
        if (this != DCT) {
            return most;
        }
        int n = 1;
        while (n < 8 && n * 2 <= most) {
            n *= 2;
        }
        return n;
    }
}

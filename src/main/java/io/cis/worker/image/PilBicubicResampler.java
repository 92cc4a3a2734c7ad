package io.cis.worker.image;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} on 8-bit RGB, reproduced bit for bit from libImaging's
 * Resample.c (Pillow 9): a separable convolution, horizontal pass first, with the bicubic kernel (a = -0.5)
 * stretched by the reduction factor (support = 2 x max(1, scale)), which is what antialiases a downscale.
 * Weights are computed in double, normalised per output pixel, turned into fixed point with
 * {@value #PRECISION_BITS} fractional bits, and each pass rounds and clips to 0..255 as Pillow's does.
 *
 * <p>Every output pixel depends only on its own row of weights and column of weights, so we compute just
 * a window of the resized picture (the CLIP centre crop) from just the source rows that window needs;
 * the values are the ones the full resize would have produced there.
 */
final class PilBicubicResampler {

    /** 8 bits for the result, 2 for the overshoot of negative lobes, the rest for the fraction. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_SUPPORT = 2.0;

    private PilBicubicResampler() {
    }

    /**
     * The window [left, left + windowWidth) x [top, top + windowHeight) of {@code image} resized to
     * outWidth x outHeight, as interleaved RGB bytes.
     */
    static byte[] resizeWindow(RgbImage image, int outWidth, int outHeight,
                               int left, int top, int windowWidth, int windowHeight) {
        return resizeWindow(image, 0, 0, image.width(), image.height(), outWidth, outHeight, left, top, windowWidth,
                windowHeight);
    }

    /**
     * As above, resizing the source region [x0, x1) x [y0, y1) of the image (fractional pixel coordinates, as
     * Pillow's {@code resize(..., box=...)}), which lets a picture shrunk beforehand by a whole factor keep the
     * geometry of the full picture's resize.
     */
    static byte[] resizeWindow(RgbImage image, double x0, double y0, double x1, double y1, int outWidth, int outHeight,
                               int left, int top, int windowWidth, int windowHeight) {
        if (left < 0 || top < 0 || windowWidth <= 0 || windowHeight <= 0
                || left + windowWidth > outWidth || top + windowHeight > outHeight) {
            throw new IllegalArgumentException("window outside the " + outWidth + "x" + outHeight + " output");
        }
        Weights horizontal = Weights.compute(image.width(), x0, x1, outWidth, left, windowWidth);
        Weights vertical = Weights.compute(image.height(), y0, y1, outHeight, top, windowHeight);

        int firstRow = vertical.start[0];
        int lastRow = vertical.start[windowHeight - 1] + vertical.count[windowHeight - 1];
        byte[] between = horizontalPass(image, horizontal, firstRow, lastRow - firstRow);
        return verticalPass(between, windowWidth, vertical, firstRow);
    }

    /** Source rows [firstRow, firstRow + rows) resampled horizontally into windowWidth columns. */
    private static byte[] horizontalPass(RgbImage image, Weights w, int firstRow, int rows) {
        byte[] in = image.rgb();
        int inWidth = image.width();
        int outWidth = w.start.length;
        byte[] out = new byte[rows * outWidth * 3];
        int half = 1 << (PRECISION_BITS - 1);
        for (int r = 0; r < rows; r++) {
            int rowBase = (firstRow + r) * inWidth;
            int o = r * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++, o += 3) {
                int k = xx * w.kernelSize;
                int p = (rowBase + w.start[xx]) * 3;
                int s0 = half;
                int s1 = half;
                int s2 = half;
                for (int i = 0, n = w.count[xx]; i < n; i++, p += 3) {
                    int c = w.fixed[k + i];
                    s0 += (in[p] & 0xFF) * c;
                    s1 += (in[p + 1] & 0xFF) * c;
                    s2 += (in[p + 2] & 0xFF) * c;
                }
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] in, int width, Weights w, int firstRow) {
        int outHeight = w.start.length;
        byte[] out = new byte[outHeight * width * 3];
        int stride = width * 3;
        int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < outHeight; yy++) {
            int k = yy * w.kernelSize;
            int rowBase = (w.start[yy] - firstRow) * stride;
            int n = w.count[yy];
            int o = yy * stride;
            for (int x = 0; x < stride; x++) {
                int s = half;
                for (int i = 0, p = rowBase + x; i < n; i++, p += stride) {
                    s += (in[p] & 0xFF) * w.fixed[k + i];
                }
                out[o + x] = clip8(s);
            }
        }
        return out;
    }

    /** Pillow's clip8: the integer part of a fixed-point sum, clamped to a byte. */
    static byte clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Pillow's bicubic_filter with a = -0.5, same operation order. */
    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Per output position: first input index, number of inputs, and their fixed-point weights. */
    static final class Weights {
        final int[] start;
        final int[] count;
        final int[] fixed;
        final int kernelSize;

        private Weights(int[] start, int[] count, int[] fixed, int kernelSize) {
            this.start = start;
            this.count = count;
            this.fixed = fixed;
            this.kernelSize = kernelSize;
        }

        /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for outputs [from, from + n) of inSize -> outSize. */
        static Weights compute(int inSize, int outSize, int from, int n) {
            return compute(inSize, 0, inSize, outSize, from, n);
        }

        /** The same for the source region [in0, in1) of the inSize input samples (Pillow's box argument). */
        static Weights compute(int inSize, double in0, double in1, int outSize, int from, int n) {
            return compute(inSize, in0, in1, outSize, from, n, PRECISION_BITS);
        }

        /** The same with {@code precisionBits} fractional bits in the fixed-point weights. */
        static Weights compute(int inSize, double in0, double in1, int outSize, int from, int n, int precisionBits) {
            double scale = (in1 - in0) / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = BICUBIC_SUPPORT * filterScale;
            int kernelSize = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[n];
            int[] count = new int[n];
            int[] fixed = new int[n * kernelSize];
            double[] k = new double[kernelSize];
            double ss = 1.0 / filterScale;
            for (int j = 0; j < n; j++) {
                int xx = from + j;
                double center = in0 + (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double weight = bicubic((x + xmin - center + 0.5) * ss);
                    k[x] = weight;
                    ww += weight;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) {
                        k[x] /= ww;
                    }
                    fixed[j * kernelSize + x] = k[x] < 0
                            ? (int) (-0.5 + k[x] * (1 << precisionBits))
                            : (int) (0.5 + k[x] * (1 << precisionBits));
                }
                start[j] = xmin;
                count[j] = xmax;
            }
            return new Weights(start, count, fixed, kernelSize);
        }
    }
}

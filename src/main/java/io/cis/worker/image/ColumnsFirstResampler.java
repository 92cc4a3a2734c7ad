package io.cis.worker.image;

import java.util.Arrays;

/**
 * The same antialiased bicubic resize as {@link PilBicubicResampler} (the same kernel and weights, clipped to 0..255
 * between and after the passes as Pillow does), with the passes swapped, vertical first, and the picture between
 * them kept with {@value #EXTRA_BITS} more fractional bits instead of rounded to bytes. Not bit-exact to Pillow: its
 * horizontal-first order rounds the first pass to whole levels, this does not, so the two differ by that rounding
 * (on camera photos shrunk 4x or more, about 0.1 level on average, a few levels at most). Used by every mode but
 * {@link Downscale#EXACT}, which promises Pillow's bytes.
 *
 * <p>Why swap: the CLIP crop is a narrow window of a wide picture, and the pass over the big picture is the costly
 * one. Vertically, each output row is a weighted sum of whole source rows: a contiguous inner loop over int arrays
 * that the JIT turns into SIMD. The source rows are widened to ints once each into a small ring (a row is used by
 * up to a kernel's width of output rows), since JDK 17 does not vectorise byte-to-int loads. The horizontal pass
 * then runs over only the 224 output rows.
 */
final class ColumnsFirstResampler {

    /** Fractional bits kept between the passes. */
    static final int EXTRA_BITS = 7;
    private static final int FIRST_BITS = PilBicubicResampler.PRECISION_BITS;
    /**
     * The second pass's weights get fewer bits so that its sums fit an int: an intermediate sample is below
     * 2^15 (255 with 7 fractional bits) and the weights' magnitudes add up to under 1.3.
     */
    private static final int SECOND_BITS = PilBicubicResampler.PRECISION_BITS - EXTRA_BITS;
    private static final int MAX_BETWEEN = 255 << EXTRA_BITS;

    private ColumnsFirstResampler() {
    }

    /**
     * The window [left, left + windowWidth) x [top, top + windowHeight) of the source region [x0, x1) x [y0, y1) of
     * {@code image} resized to outWidth x outHeight, as interleaved RGB bytes (the arguments of
     * {@link PilBicubicResampler#resizeWindow(RgbImage, double, double, double, double, int, int, int, int, int, int)}).
     */
    static byte[] resizeWindow(RgbImage image, double x0, double y0, double x1, double y1, int outWidth, int outHeight,
                               int left, int top, int windowWidth, int windowHeight) {
        if (left < 0 || top < 0 || windowWidth <= 0 || windowHeight <= 0
                || left + windowWidth > outWidth || top + windowHeight > outHeight) {
            throw new IllegalArgumentException("window outside the " + outWidth + "x" + outHeight + " output");
        }
        PilBicubicResampler.Weights horizontal = PilBicubicResampler.Weights.compute(image.width(), x0, x1, outWidth,
                left, windowWidth, SECOND_BITS);
        PilBicubicResampler.Weights vertical = PilBicubicResampler.Weights.compute(image.height(), y0, y1, outHeight,
                top, windowHeight, FIRST_BITS);
        int firstColumn = horizontal.start[0];
        int lastColumn = horizontal.start[windowWidth - 1] + horizontal.count[windowWidth - 1];
        int[] between = verticalPass(image, vertical, firstColumn, lastColumn - firstColumn);
        return horizontalPass(between, lastColumn - firstColumn, horizontal, firstColumn);
    }

    /**
     * Source columns [firstColumn, firstColumn + columns) of every output row, resampled vertically, with
     * {@link #EXTRA_BITS} fractional bits, clipped to 0..255.
     */
    private static int[] verticalPass(RgbImage image, PilBicubicResampler.Weights w, int firstColumn, int columns) {
        byte[] in = image.rgb();
        int stride = image.width() * 3;
        int length = columns * 3;
        int outRows = w.start.length;
        int[] out = new int[outRows * length];
        int[] sum = new int[length];
        int[][] ring = new int[w.kernelSize][length];
        int[] rowInSlot = new int[w.kernelSize];
        Arrays.fill(rowInSlot, -1);
        int shift = FIRST_BITS - EXTRA_BITS;
        int half = 1 << (shift - 1);
        for (int yy = 0; yy < outRows; yy++) {
            Arrays.fill(sum, half);
            int k = yy * w.kernelSize;
            for (int i = 0, n = w.count[yy]; i < n; i++) {
                int row = w.start[yy] + i;
                // An output row's source rows are consecutive, so kernelSize slots never hold two of them at once.
                int slot = row % w.kernelSize;
                int[] samples = ring[slot];
                if (rowInSlot[slot] != row) {
                    widen(in, row * stride + firstColumn * 3, samples);
                    rowInSlot[slot] = row;
                }
                int c = w.fixed[k + i];
                for (int x = 0; x < length; x++) {
                    sum[x] += samples[x] * c;
                }
            }
            int o = yy * length;
            for (int x = 0; x < length; x++) {
                int v = sum[x] >> shift;
                out[o + x] = v < 0 ? 0 : Math.min(v, MAX_BETWEEN);
            }
        }
        return out;
    }

    private static void widen(byte[] in, int from, int[] to) {
        for (int x = 0; x < to.length; x++) {
            to[x] = in[from + x] & 0xFF;
        }
    }

    private static byte[] horizontalPass(int[] in, int columns, PilBicubicResampler.Weights w, int firstColumn) {
        int rows = in.length / (columns * 3);
        int outWidth = w.start.length;
        byte[] out = new byte[rows * outWidth * 3];
        int half = 1 << (PilBicubicResampler.PRECISION_BITS - 1);
        for (int r = 0; r < rows; r++) {
            int rowBase = r * columns * 3;
            int o = r * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++, o += 3) {
                int k = xx * w.kernelSize;
                int p = rowBase + (w.start[xx] - firstColumn) * 3;
                int s0 = half;
                int s1 = half;
                int s2 = half;
                for (int i = 0, n = w.count[xx]; i < n; i++, p += 3) {
                    int c = w.fixed[k + i];
                    s0 += in[p] * c;
                    s1 += in[p + 1] * c;
                    s2 += in[p + 2] * c;
                }
                out[o] = PilBicubicResampler.clip8(s0);
                out[o + 1] = PilBicubicResampler.clip8(s1);
                out[o + 2] = PilBicubicResampler.clip8(s2);
            }
        }
        return out;
    }
}

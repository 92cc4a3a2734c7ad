package io.cis.worker.image;

import java.util.Arrays;

/**
 * {@link BoxReducer}'s n x n averages with halves rounded to even, bit for bit, summed as the rows arrive, so the
 * full-size picture is never held: each row's bytes over the blocks' span are added to per-byte column sums (a
 * plain loop the JIT vectorises, alpha and low bytes included, as that is cheaper than picking them out), and the
 * last row of each band of blocks adds up the columns of each block and writes their averages.
 */
final class BlockAverager implements RowSink {

    private final int factor;
    private final int outW;
    private final int outH;
    private final int left;
    private final int top;
    private final SampleLayout layout;
    private final int[] columns;
    private final byte[] average;
    private final byte[] rgb;

    BlockAverager(int width, int height, int factor, SampleLayout layout) {
        if (factor < 2) {
            throw new IllegalArgumentException("factor " + factor);
        }
        this.factor = factor;
        this.outW = width / factor;
        this.outH = height / factor;
        this.left = BoxReducer.dropped(width, factor);
        this.top = BoxReducer.dropped(height, factor);
        this.layout = layout;
        this.columns = new int[Math.multiplyExact(outW * factor, layout.bytesPerPixel())];
        this.average = averages(factor * factor);
        this.rgb = new byte[Math.multiplyExact(outW * outH, 3)];
    }

    @Override
    public void accept(byte[] row, int offset, int y) {
        int blockRow = y - top;
        if (blockRow < 0 || blockRow >= outH * factor) {
            return;
        }
        int start = offset + left * layout.bytesPerPixel();
        for (int j = 0; j < columns.length; j++) {
            columns[j] += row[start + j] & 0xFF;
        }
        if (blockRow % factor == factor - 1) {
            int out = blockRow / factor * outW * 3;
            int red = layout.red();
            switch (layout.kind()) {
                case 4 -> emit(out, red, 1, 0);
                case 8 -> emit(out, red, 2, 0);
                case 13 -> emit(out, red, 3, 1);
                case 17 -> emit(out, red, 4, 1);
                case 26 -> emit(out, red, 6, 2);
                case 34 -> emit(out, red, 8, 2);
                default -> emit(out, red, layout.bytesPerPixel(), layout.sampleStep());
            }
            Arrays.fill(columns, 0);
        }
    }

    private void emit(int out, int red, int bpp, int step) {
        for (int o = out, end = out + outW * 3, p = red; o < end; o += 3) {
            int r = 0;
            int g = 0;
            int b = 0;
            for (int dx = 0; dx < factor; dx++, p += bpp) {
                r += columns[p];
                g += columns[p + step];
                b += columns[p + 2 * step];
            }
            rgb[o] = average[r];
            rgb[o + 1] = average[g];
            rgb[o + 2] = average[b];
        }
    }

    /** Every block sum's average, halves to even: a lookup instead of a division per sample. */
    private static byte[] averages(int area) {
        byte[] average = new byte[255 * area + 1];
        for (int sum = 0; sum < average.length; sum++) {
            int q = sum / area;
            int twice = (sum - q * area) * 2;
            average[sum] = (byte) (q + (twice > area || twice == area && (q & 1) == 1 ? 1 : 0));
        }
        return average;
    }

    @Override
    public RgbImage picture() {
        return new RgbImage(outW, outH, rgb);
    }
}

package io.cis.worker.image;

import java.util.Arrays;

/**
 * Shrinks a picture by a whole factor n by averaging each n x n block (rounded to nearest), as Pillow's
 * {@code Image.reduce} does. Columns and rows that do not fill a block are dropped evenly from both edges, so the
 * picture's centre, where CLIP's crop is taken, stays where it was.
 *
 * <p>Pillow rounds halves up, which for an even n lifts the whole picture by about 1/8 of a level (a quarter of
 * 2 x 2 averages end in .5): on a low-contrast render that alone moved the vector by 1e-4 in cosine. The
 * {@code halfToEven} variant rounds halves to even instead, without bias; for an odd n there are no halves.
 */
final class BoxReducer {

    private BoxReducer() {
    }

    /** Pixels dropped before the first block along a side of this length. */
    static int dropped(int size, int factor) {
        return (size % factor) / 2;
    }

    /** Pillow's {@code reduce}: halves rounded up. */
    static RgbImage reduce(RgbImage image, int factor) {
        return reduce(image, factor, false);
    }

    static RgbImage reduce(RgbImage image, int factor, boolean halfToEven) {
        if (factor < 2) {
            return image;
        }
        int w = image.width();
        int outW = w / factor;
        int outH = image.height() / factor;
        int left = dropped(w, factor);
        int top = dropped(image.height(), factor);
        byte[] in = image.rgb();
        byte[] out = new byte[outW * outH * 3];
        int[] sums = new int[outW * 3];
        int area = factor * factor;
        int half = area / 2;
        for (int oy = 0; oy < outH; oy++) {
            Arrays.fill(sums, 0);
            for (int dy = 0; dy < factor; dy++) {
                int p = ((top + oy * factor + dy) * w + left) * 3;
                for (int ox = 0, s = 0; ox < outW; ox++, s += 3) {
                    int r = 0;
                    int g = 0;
                    int b = 0;
                    for (int dx = 0; dx < factor; dx++, p += 3) {
                        r += in[p] & 0xFF;
                        g += in[p + 1] & 0xFF;
                        b += in[p + 2] & 0xFF;
                    }
                    sums[s] += r;
                    sums[s + 1] += g;
                    sums[s + 2] += b;
                }
            }
            int o = oy * outW * 3;
            if (halfToEven) {
                for (int i = 0; i < sums.length; i++) {
                    int q = sums[i] / area;
                    int twice = (sums[i] - q * area) * 2;
                    out[o + i] = (byte) (q + (twice > area || twice == area && (q & 1) == 1 ? 1 : 0));
                }
            } else {
                for (int i = 0; i < sums.length; i++) {
                    out[o + i] = (byte) ((sums[i] + half) / area);
                }
            }
        }
        return new RgbImage(outW, outH, out);
    }
}

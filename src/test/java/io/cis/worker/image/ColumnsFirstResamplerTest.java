package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The columns-first resize against an ideal one (the same weights in double precision, clipped to 0..255 between
 * the passes, one rounding at the end) and against Pillow's order, on the shared 4000 x 2669 photograph: the fast
 * modes' resize must be as good as Pillow's, not just close to it.
 */
class ColumnsFirstResamplerTest {

    private static RgbImage rocket;

    @BeforeAll
    static void decode() throws ImageDecodeException {
        rocket = new ImageDecoder().decode(TestImages.sharedImage("formats/rocket-large.jpg"));
    }

    @ParameterizedTest(name = "{0}x{1} from ({2}, {3}) to ({4}, {5})")
    @CsvSource({
        // The CLIP crop of the whole photo, of a region of it (the geometry of a picture read at 1/2), and a
        // window that is not the centre.
        "336, 224, 0, 0, 4000, 2669",
        "336, 224, 0.5, 0.25, 3999.5, 2668",
        "300, 260, 100, 10, 3900, 2600",
    })
    void isWithinOneLevelOfTheIdealResizeAndCloseToPillows(int outWidth, int outHeight, double x0, double y0,
                                                          double x1, double y1) {
        int left = (outWidth - 224) / 2;
        int top = (outHeight - 224) / 2;
        byte[] fast = ColumnsFirstResampler.resizeWindow(rocket, x0, y0, x1, y1, outWidth, outHeight, left, top,
                224, 224);
        byte[] ideal = idealResize(rocket, x0, y0, x1, y1, outWidth, outHeight, left, top, 224, 224);
        byte[] pillow = PilBicubicResampler.resizeWindow(rocket, x0, y0, x1, y1, outWidth, outHeight, left, top,
                224, 224);

        assertTrue(TestImages.maxDifference(fast, ideal) <= 1, "more than one level from the ideal resize");
        // Pillow's order rounds the first pass to whole levels, so it is the one further from the ideal.
        assertTrue(meanDifference(fast, ideal) < meanDifference(pillow, ideal),
                "columns first " + meanDifference(fast, ideal) + ", Pillow " + meanDifference(pillow, ideal));
        assertTrue(TestImages.maxDifference(fast, pillow) <= 4, "more than 4 levels from Pillow's resize");
        assertTrue(meanDifference(fast, pillow) < 0.25, "mean difference to Pillow " + meanDifference(fast, pillow));
    }

    @Test
    void refusesAWindowOutsideTheOutput() {
        assertThrows(IllegalArgumentException.class,
                () -> ColumnsFirstResampler.resizeWindow(rocket, 0, 0, 4000, 2669, 336, 224, 113, 0, 224, 224));
    }

    @Test
    void aUniformPictureStaysUniform() {
        byte[] grey = new byte[900 * 1000 * 3];
        java.util.Arrays.fill(grey, (byte) 201);
        byte[] out = ColumnsFirstResampler.resizeWindow(new RgbImage(900, 1000, grey), 0, 0, 900, 1000, 224, 248, 0,
                12, 224, 224);
        for (byte b : out) {
            assertEquals(201, b & 0xFF);
        }
    }

    private static double meanDifference(byte[] a, byte[] b) {
        long total = 0;
        for (int i = 0; i < a.length; i++) {
            total += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
        }
        return total / (double) a.length;
    }

    /** Both passes in double with Pillow's normalised weights, the first clipped to 0..255 but not rounded. */
    private static byte[] idealResize(RgbImage image, double x0, double y0, double x1, double y1, int outWidth,
                                      int outHeight, int left, int top, int windowWidth, int windowHeight) {
        double[][] horizontal = weights(image.width(), x0, x1, outWidth, left, windowWidth);
        double[][] vertical = weights(image.height(), y0, y1, outHeight, top, windowHeight);
        int[] hStart = starts(image.width(), x0, x1, outWidth, left, windowWidth);
        int[] vStart = starts(image.height(), y0, y1, outHeight, top, windowHeight);
        byte[] out = new byte[windowWidth * windowHeight * 3];
        for (int yy = 0; yy < windowHeight; yy++) {
            for (int xx = 0; xx < windowWidth; xx++) {
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int j = 0; j < horizontal[xx].length; j++) {
                        double column = 0;
                        for (int i = 0; i < vertical[yy].length; i++) {
                            column += image.sample(hStart[xx] + j, vStart[yy] + i, c) * vertical[yy][i];
                        }
                        sum += Math.max(0, Math.min(255, column)) * horizontal[xx][j];
                    }
                    out[(yy * windowWidth + xx) * 3 + c] = (byte) Math.max(0, Math.min(255, Math.round(sum)));
                }
            }
        }
        return out;
    }

    private static double[][] weights(int inSize, double in0, double in1, int outSize, int from, int n) {
        double scale = (in1 - in0) / outSize;
        double support = 2.0 * Math.max(scale, 1.0);
        double[][] w = new double[n][];
        for (int j = 0; j < n; j++) {
            double center = in0 + (from + j + 0.5) * scale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double[] k = new double[xmax];
            double total = 0;
            for (int x = 0; x < xmax; x++) {
                k[x] = PilBicubicResampler.bicubic((x + xmin - center + 0.5) / Math.max(scale, 1.0));
                total += k[x];
            }
            for (int x = 0; x < xmax; x++) {
                k[x] /= total;
            }
            w[j] = k;
        }
        return w;
    }

    private static int[] starts(int inSize, double in0, double in1, int outSize, int from, int n) {
        double scale = (in1 - in0) / outSize;
        double support = 2.0 * Math.max(scale, 1.0);
        int[] start = new int[n];
        for (int j = 0; j < n; j++) {
            start[j] = Math.max(0, (int) (in0 + (from + j + 0.5) * scale - support + 0.5));
        }
        return start;
    }
}

package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The resampler against Pillow 9.4 on a small picture with hard 0/255 edges (so the bicubic's negative
 * lobes overshoot and the clipping matters). The expected bytes were produced by:
 * <pre>
 * from PIL import Image
 * w, h = 8, 5
 * data = bytes(((x * 73 + y * 151 + c * 29) * 7 % 256) if (x + y) % 3 else (255 if c != 1 else 0)
 *              for y in range(h) for x in range(w) for c in range(3))
 * im = Image.frombytes('RGB', (w, h), data)
 * for size in [(3, 2), (13, 7), (5, 9)]:
 *     print(size, list(im.resize(size, Image.BICUBIC, reducing_gap=None).tobytes()))
 * </pre>
 */
class PilBicubicResamplerTest {

    private static final int[] DOWN_3X2 = {
        156, 118, 209, 162, 110, 207, 153, 115, 205, 149, 36, 187, 146, 31, 194, 145, 32, 183,
    };

    private static final int[] UP_13X7 = {
        255, 0, 255, 255, 66, 217, 255, 205, 145, 255, 234, 130, 255, 158, 171, 255, 0, 255, 255, 77, 209, 255, 209,
        137, 253, 229, 128, 255, 133, 181, 255, 0, 255, 255, 105, 192, 255, 209, 133, 130, 147, 213, 116, 188, 191,
        119, 235, 163, 230, 133, 194, 247, 88, 215, 139, 136, 213, 101, 198, 182, 124, 225, 161, 242, 118, 197, 234,
        90, 215, 129, 141, 210, 108, 199, 177, 109, 236, 153, 15, 200, 184, 34, 201, 189, 78, 175, 204, 183, 31, 242,
        173, 20, 239, 28, 180, 186, 23, 206, 183, 86, 160, 205, 193, 14, 246, 155, 37, 231, 16, 189, 179, 39, 191,
        187, 70, 174, 199, 52, 14, 213, 147, 8, 233, 254, 0, 255, 131, 7, 228, 45, 12, 210, 53, 11, 211, 171, 4, 237,
        249, 0, 254, 110, 6, 222, 39, 9, 206, 56, 7, 209, 181, 3, 238, 255, 0, 255, 215, 0, 255, 193, 3, 255, 137, 26,
        255, 79, 40, 245, 102, 29, 241, 211, 0, 255, 192, 2, 255, 128, 25, 255, 71, 37, 239, 113, 22, 241, 216, 0,
        255, 174, 7, 255, 126, 23, 255, 214, 34, 157, 168, 46, 149, 102, 62, 152, 140, 39, 227, 187, 25, 239, 214,
        31, 164, 154, 48, 141, 99, 58, 154, 145, 33, 234, 190, 24, 229, 212, 31, 157, 141, 47, 142, 88, 58, 142, 125,
        84, 13, 122, 86, 1, 136, 78, 17, 235, 17, 198, 242, 10, 218, 133, 74, 30, 109, 89, 0, 141, 70, 29, 245, 10,
        219, 228, 16, 196, 122, 75, 12, 117, 79, 0, 128, 74, 6,
    };

    private static final int[] MIXED_5X9 = {
        255, 70, 213, 255, 177, 159, 255, 94, 199, 255, 155, 168, 255, 102, 192, 189, 134, 201, 233, 152, 181, 191,
        144, 192, 231, 137, 187, 183, 154, 184, 41, 238, 181, 176, 103, 221, 53, 221, 182, 175, 99, 220, 33, 235, 174,
        62, 150, 200, 136, 49, 228, 74, 135, 203, 124, 49, 223, 73, 142, 200, 147, 8, 233, 111, 8, 224, 154, 5, 233,
        90, 6, 217, 175, 3, 236, 183, 0, 255, 108, 21, 244, 172, 0, 255, 106, 16, 240, 179, 0, 255, 188, 24, 235, 128,
        39, 243, 169, 27, 234, 141, 32, 242, 158, 27, 229, 148, 64, 85, 183, 34, 188, 146, 59, 94, 186, 30, 186, 133,
        60, 79, 124, 85, 2, 213, 30, 157, 132, 76, 16, 210, 29, 155, 120, 78, 0,
    };

    private static RgbImage pattern() {
        int w = 8;
        int h = 5;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int v = (x + y) % 3 != 0 ? (x * 73 + y * 151 + c * 29) * 7 % 256 : (c != 1 ? 255 : 0);
                    rgb[(y * w + x) * 3 + c] = (byte) v;
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    private static int[] resize(RgbImage image, int w, int h) {
        byte[] out = PilBicubicResampler.resizeWindow(image, w, h, 0, 0, w, h);
        int[] values = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            values[i] = out[i] & 0xFF;
        }
        return values;
    }

    @Test
    void downscaleMatchesPillow() {
        assertArrayEquals(DOWN_3X2, resize(pattern(), 3, 2));
    }

    @Test
    void upscaleMatchesPillow() {
        assertArrayEquals(UP_13X7, resize(pattern(), 13, 7));
    }

    @Test
    void narrowerAndTallerMatchesPillow() {
        assertArrayEquals(MIXED_5X9, resize(pattern(), 5, 9));
    }

    @ParameterizedTest(name = "window {0},{1} {2}x{3} of 13x7")
    @CsvSource({"0, 0, 13, 7", "3, 2, 5, 4", "12, 6, 1, 1", "0, 3, 13, 1", "6, 0, 1, 7"})
    void windowIsTheSameRegionOfTheFullResize(int left, int top, int width, int height) {
        byte[] window = PilBicubicResampler.resizeWindow(pattern(), 13, 7, left, top, width, height);

        for (int y = 0; y < height; y++) {
            int from = ((top + y) * 13 + left) * 3;
            int[] expected = Arrays.copyOfRange(UP_13X7, from, from + width * 3);
            int[] actual = new int[width * 3];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = window[y * width * 3 + i] & 0xFF;
            }
            assertArrayEquals(expected, actual, "row " + (top + y));
        }
    }

    @Test
    void sameSizeIsTheIdentity() {
        RgbImage image = pattern();

        byte[] same = PilBicubicResampler.resizeWindow(image, 8, 5, 0, 0, 8, 5);

        assertArrayEquals(image.rgb(), same);
    }

    @Test
    void weightsOfADownscaleSpanTheStretchedKernelAndSumToOne() {
        // 4000 -> 224: scale 17.86, support 35.7 source pixels on each side.
        PilBicubicResampler.Weights w = PilBicubicResampler.Weights.compute(4000, 224, 100, 1);

        int sum = 0;
        for (int i = 0; i < w.count[0]; i++) {
            sum += w.fixed[i];
        }
        assertEquals(2 * 36 + 1, w.kernelSize);
        assertEquals(71, w.count[0]);
        assertEquals(1 << PilBicubicResampler.PRECISION_BITS, sum, 2.0 * w.count[0], "fixed-point weights sum");
    }

    @Test
    void bicubicKernelIsPillows() {
        assertEquals(1.0, PilBicubicResampler.bicubic(0));
        assertEquals(0.0, PilBicubicResampler.bicubic(1), 0.0);
        assertEquals(0.0, PilBicubicResampler.bicubic(2), 0.0);
        assertEquals(0.5625, PilBicubicResampler.bicubic(0.5));
        assertEquals(-0.0625, PilBicubicResampler.bicubic(-1.5));
    }

    @Test
    void windowOutsideTheOutputIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> PilBicubicResampler.resizeWindow(pattern(), 13, 7, 10, 0, 4, 7));
    }
}

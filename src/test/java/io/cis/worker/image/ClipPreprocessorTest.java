package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClipPreprocessorTest {

    private final ClipPreprocessor clip = new ClipPreprocessor();

    /** Sizes transformers computes (get_resize_output_image_size), as listed in clip-small/README.md. */
    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({
        "451, 300, 336, 224",
        "14, 25, 224, 400",
        "3, 2, 336, 224",
        "4000, 10, 89600, 224",
        "4000, 2669, 335, 224",
        "512, 512, 224, 224",
        "300, 451, 224, 336",
    })
    void shorterSideBecomes224AndTheLongerIsTruncated(int w, int h, int expectedW, int expectedH) {
        assertArrayEquals(new int[] {expectedW, expectedH}, ClipPreprocessor.resizedSize(w, h));
    }

    @Test
    void tensorIsChannelsFirstAndNormalisedWithClipsMeanAndStd() {
        byte[] crop = new byte[224 * 224 * 3];
        // Pixel 0 is (0, 128, 255); pixel 1 is (255, 0, 0); the rest black.
        crop[1] = (byte) 128;
        crop[2] = (byte) 255;
        crop[3] = (byte) 255;

        float[] t = clip.toTensor(crop);

        int plane = 224 * 224;
        assertEquals(3 * plane, t.length);
        assertEquals(-0.48145466f / 0.26862954f, t[0], 1e-6);
        assertEquals((128 / 255f - 0.4578275f) / 0.26130258f, t[plane], 1e-6);
        assertEquals((1f - 0.40821073f) / 0.27577711f, t[2 * plane], 1e-6);
        assertEquals((1f - 0.48145466f) / 0.26862954f, t[1], 1e-6);
        assertEquals(-0.4578275f / 0.26130258f, t[plane + 1], 1e-6);
        assertEquals(0f, ClipPreprocessor.unnormalise(t[plane + 2], 1), 1e-6);
    }

    @Test
    void uniformPictureStaysUniform() {
        byte[] grey = new byte[640 * 427 * 3];
        Arrays.fill(grey, (byte) 77);

        byte[] crop = clip.resizeAndCrop(new RgbImage(640, 427, grey));

        assertEquals(224 * 224 * 3, crop.length);
        for (byte b : crop) {
            assertEquals(77, b & 0xFF);
        }
    }

    @Test
    void cropIsTheCentreWithTheOddPixelOnTheRight() {
        // 3x2 marks its columns 0, 1, 2 in red; resized to 336x224, the crop starts at (336-224)/2 = 56.
        byte[] rgb = new byte[3 * 2 * 3];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                rgb[(y * 3 + x) * 3] = (byte) (x * 100);
            }
        }
        RgbImage image = new RgbImage(3, 2, rgb);

        byte[] crop = clip.resizeAndCrop(image);
        byte[] full = PilBicubicResampler.resizeWindow(image, 336, 224, 0, 0, 336, 224);

        for (int y = 0; y < 224; y += 37) {
            for (int x = 0; x < 224; x += 13) {
                assertEquals(full[(y * 336 + x + 56) * 3], crop[(y * 224 + x) * 3], "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void wrongCropSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> clip.toTensor(new byte[10]));
    }
}

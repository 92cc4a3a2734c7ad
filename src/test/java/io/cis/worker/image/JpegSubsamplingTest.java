package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The optional fast path: large JPEGs read at 1/n scale, everything else exactly as before. */
class JpegSubsamplingTest {

    private static final int MIN_SIDE = 2 * ClipPreprocessor.SIZE;

    @Test
    void aLargeJpegIsReadAtTheLargestScaleThatKeepsTheShorterSideAtLeastTheMinimum() throws Exception {
        byte[] large = TestImages.sharedImage("formats/rocket-large.jpg"); // 4000 x 2669
        RgbImage exact = new ImageDecoder(DecodeLimits.DEFAULT).decode(large);
        RgbImage fast = new ImageDecoder(DecodeLimits.DEFAULT, MIN_SIDE).decode(large);
        assertEquals(4000, exact.width());
        int factor = 2669 / MIN_SIDE; // 5
        assertEquals(5, factor);
        assertEquals((4000 - 2 + factor - 1) / factor, fast.width()); // offset 2, then every 5th column
        assertEquals((2669 - 2 + factor - 1) / factor, fast.height());
        assertTrue(Math.min(fast.width(), fast.height()) >= MIN_SIDE);
        // The kept pixels are pixels of the full decode (row 2, column 2 of each 5 x 5 block).
        for (int y = 0; y < fast.height(); y += 97) {
            for (int x = 0; x < fast.width(); x += 89) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(exact.sample(2 + x * factor, 2 + y * factor, c), fast.sample(x, y, c), "at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void theClipTensorStaysCloseToTheExactOne() throws Exception {
        byte[] large = TestImages.sharedImage("formats/rocket-large.jpg");
        ClipPreprocessor clip = new ClipPreprocessor();
        float[] exact = clip.preprocess(new ImageDecoder(DecodeLimits.DEFAULT).decode(large));
        float[] fast = clip.preprocess(new ImageDecoder(DecodeLimits.DEFAULT, MIN_SIDE).decode(large));
        double sum = 0;
        for (int i = 0; i < exact.length; i++) {
            sum += Math.abs(exact[i] - fast[i]) * 0.27; // normalised units back to roughly [0, 1]
        }
        double meanAbs = sum / exact.length;
        assertTrue(meanAbs < 4.0 / 255, "mean difference " + meanAbs * 255 + "/255");
    }

    @Test
    void smallJpegsAndOtherFormatsAreDecodedExactlyAsWithoutIt() throws Exception {
        for (String name : new String[] {"rocket.jpg", "formats/chelsea-exif-rotated.jpg", "formats/coffee-cmyk.jpg",
                "formats/camera-gray.jpg", "coffee.png"}) {
            byte[] bytes = TestImages.sharedImage(name);
            RgbImage exact = new ImageDecoder(DecodeLimits.DEFAULT).decode(bytes);
            RgbImage fast = new ImageDecoder(DecodeLimits.DEFAULT, MIN_SIDE).decode(bytes);
            assertEquals(exact.width(), fast.width(), name);
            assertArrayEquals(exact.rgb(), fast.rgb(), name);
        }
    }
}

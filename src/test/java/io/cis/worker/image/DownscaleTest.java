package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The optional fast paths: large pictures shrunk early, everything else exactly as before. */
class DownscaleTest {

    private static final int MIN_SIDE = Downscale.SUBSAMPLE.minSide();

    @Test
    void aLargeJpegIsReadAtTheLargestScaleThatKeepsTheShorterSideAtLeastTheMinimum() throws Exception {
        byte[] large = TestImages.sharedImage("formats/rocket-large.jpg"); // 4000 x 2669
        RgbImage exact = new ImageDecoder(DecodeLimits.DEFAULT).decode(large);
        RgbImage fast = new ImageDecoder(DecodeLimits.DEFAULT, Downscale.SUBSAMPLE).decode(large);
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
        float[] fast = clip.preprocess(new ImageDecoder(DecodeLimits.DEFAULT, Downscale.SUBSAMPLE).decode(large));
        double sum = 0;
        for (int i = 0; i < exact.length; i++) {
            sum += Math.abs(exact[i] - fast[i]) * 0.27; // normalised units back to roughly [0, 1]
        }
        double meanAbs = sum / exact.length;
        assertTrue(meanAbs < 4.0 / 255, "mean difference " + meanAbs * 255 + "/255");
    }

    @Test
    void smallPicturesAreDecodedExactlyAsWithoutIt() throws Exception {
        for (String name : new String[] {"rocket.jpg", "formats/chelsea-exif-rotated.jpg", "formats/coffee-cmyk.jpg",
                "formats/camera-gray.jpg", "coffee.png"}) {
            byte[] bytes = TestImages.sharedImage(name);
            RgbImage exact = new ImageDecoder(DecodeLimits.DEFAULT).decode(bytes);
            for (Downscale mode : Downscale.values()) {
                RgbImage fast = new ImageDecoder(DecodeLimits.DEFAULT, mode).decode(bytes);
                assertEquals(exact.width(), fast.width(), name);
                assertArrayEquals(exact.rgb(), fast.rgb(), name + " " + mode);
            }
        }
    }

    @Test
    void reduceAveragesBlocksOfTheExactPicture() throws Exception {
        RgbImage exact = new ImageDecoder(DecodeLimits.DEFAULT).decode(TestImages.sharedImage("formats/rocket-large.jpg"));
        assertEquals(3, Downscale.REDUCE.factor(exact.width(), exact.height())); // 2669 / (3 x 224)
        RgbImage reduced = BoxReducer.reduce(exact, 5);
        assertEquals(800, reduced.width()); // 4000 x 2669 in 5 x 5 blocks
        assertEquals(533, reduced.height()); // 2669 = 533 * 5 + 4: two rows dropped at the top, two at the bottom
        assertEquals(2, BoxReducer.dropped(2669, 5));
        for (int y = 0; y < reduced.height(); y += 61) {
            for (int x = 0; x < reduced.width(); x += 73) {
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    for (int dy = 0; dy < 5; dy++) {
                        for (int dx = 0; dx < 5; dx++) {
                            sum += exact.sample(x * 5 + dx, 2 + y * 5 + dy, c);
                        }
                    }
                    assertEquals((sum + 12) / 25, reduced.sample(x, y, c), "at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void reduceKeepsTheExactResizesGeometrySoTheTensorBarelyMoves() throws Exception {
        RgbImage exact = new ImageDecoder(DecodeLimits.DEFAULT).decode(TestImages.sharedImage("formats/rocket-large.jpg"));
        float[] reference = new ClipPreprocessor().preprocess(exact);
        float[] reduced = new ClipPreprocessor(Downscale.REDUCE).preprocess(exact);
        double worst = 0;
        double sum = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = Math.abs(reference[i] - reduced[i]) * 0.27 * 255; // back to 8-bit levels, roughly
            worst = Math.max(worst, d);
            sum += d;
        }
        assertTrue(sum / reference.length < 1.0, "mean difference " + sum / reference.length + " levels");
        assertTrue(worst < 12, "largest difference " + worst + " levels");
    }

    @Test
    void withoutAFactorReduceIsTheExactResize() throws Exception {
        RgbImage coffee = new ImageDecoder(DecodeLimits.DEFAULT).decode(TestImages.sharedImage("coffee.png")); // 600 x 400
        assertArrayEquals(new ClipPreprocessor().preprocess(coffee), new ClipPreprocessor(Downscale.REDUCE).preprocess(coffee));
    }

    @Test
    void boxReductionRoundsToNearestAndLeavesSmallFactorsAlone() {
        byte[] rgb = new byte[4 * 2 * 3];
        int[] reds = {0, 1, 1, 1, 255, 255, 255, 254}; // 2x2 blocks: (0,1,255,255) and (1,1,255,254)
        for (int i = 0; i < 8; i++) {
            rgb[i * 3] = (byte) reds[i];
        }
        RgbImage image = new RgbImage(4, 2, rgb);
        RgbImage half = BoxReducer.reduce(image, 2);
        assertEquals(2, half.width());
        assertEquals(1, half.height());
        assertEquals((0 + 1 + 255 + 255 + 2) / 4, half.sample(0, 0, 0)); // 127.75 -> 128
        assertEquals((1 + 1 + 255 + 254 + 2) / 4, half.sample(1, 0, 0)); // 127.75 -> 128
        assertTrue(BoxReducer.reduce(image, 1) == image);
    }

    @Test
    void halvesRoundToEvenWhenAskedSoAnEvenBlockDoesNotLiftThePicture() {
        // Two 2 x 2 blocks averaging 10.5 and 11.5: Pillow's rounding gives 11 and 12, half to even 10 and 12.
        byte[] rgb = new byte[4 * 2 * 3];
        int[] values = {10, 11, 11, 12, 10, 11, 11, 12};
        for (int i = 0; i < 8; i++) {
            java.util.Arrays.fill(rgb, i * 3, i * 3 + 3, (byte) values[i]);
        }
        RgbImage image = new RgbImage(4, 2, rgb);
        assertEquals(11, BoxReducer.reduce(image, 2).sample(0, 0, 0));
        assertEquals(12, BoxReducer.reduce(image, 2).sample(1, 0, 0));
        assertEquals(10, BoxReducer.reduce(image, 2, true).sample(0, 0, 0));
        assertEquals(12, BoxReducer.reduce(image, 2, true).sample(1, 0, 0));
    }

    @Test
    void theDefaultModeAveragesPicturesOtherThanJpegsWithTheJpegsGap() {
        assertEquals(896, Downscale.DCT.minSide());
        assertEquals(1, Downscale.DCT.blockFactor(2560, 1440));
        assertEquals(1, Downscale.DCT.blockFactor(1791, 4000));
        assertEquals(2, Downscale.DCT.blockFactor(3840, 2160));
        assertEquals(3, Downscale.DCT.blockFactor(2688, 2688), "any whole factor, not only powers of two");
        assertEquals(1, Downscale.REDUCE.blockFactor(3840, 2160), "the reduce mode averages in the preprocessor");
        assertEquals(1, Downscale.EXACT.blockFactor(8000, 8000));
    }
}

package io.cis.worker.image;

import io.cis.worker.testing.ExifSegments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.bench.BenchImageSet;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * IMAGE_DOWNSCALE=dct: large JPEGs decoded at 1/2, 1/4 or 1/8 by libjpeg-turbo, resized over the fractional region
 * the full picture covers, in every EXIF orientation; everything else exactly as the exact path, failures included.
 */
class DctDownscaleTest {

    private static final ImagePreprocessor EXACT = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.EXACT);
    private static final ImagePreprocessor DCT = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.DCT);
    private static final ImageDecoder DCT_DECODER = new ImageDecoder(DecodeLimits.DEFAULT, Downscale.DCT);
    private static final ClipPreprocessor CLIP = new ClipPreprocessor();

    @Test
    void picksTheLargestDctScaleThatKeepsTheShorterSideAt896() {
        assertEquals(1, Downscale.DCT.factor(1791, 5000)); // 2 x 896 = 1792
        assertEquals(2, Downscale.DCT.factor(1792, 1792));
        assertEquals(2, Downscale.DCT.factor(3129, 3129)); // 3129 / 4 = 782 < 896: the photo gap 3 read at 1/4
        assertEquals(2, Downscale.DCT.factor(4000, 3000)); // 12 MP: 2000 x 1500
        assertEquals(4, Downscale.DCT.factor(6000, 4000)); // 4000 / 8 = 500 < 896
        assertEquals(4, Downscale.DCT.factor(9000, 6000)); // 6000 / 8 = 750 < 896
        assertEquals(8, Downscale.DCT.factor(12000, 8000));
        assertEquals(8, Downscale.DCT.factor(30000, 20000)); // libjpeg scales by 8 at most
    }

    /**
     * A picture with sharp edges and fine stripes, sized so that the last block of each side is partial: a region
     * off by a fraction of a reduced pixel, or a partial block put on the wrong edge by an orientation, moves the
     * stripes by whole levels, while the right region leaves only the small difference of averaging in blocks first.
     */
    @ParameterizedTest(name = "{0}x{1}, orientation {2}, progressive {3}")
    @CsvSource({
        "2701, 1803, 1, false", "2701, 1803, 2, false", "2701, 1803, 3, false", "2701, 1803, 4, false",
        "2701, 1803, 5, false", "2701, 1803, 6, false", "2701, 1803, 7, false", "2701, 1803, 8, false",
        "2695, 3001, 1, false", "2695, 3001, 3, false", "2695, 3001, 6, false", "2695, 3001, 7, true",
        "5389, 5381, 8, false",
    })
    void theCropMatchesTheExactResizeInEveryOrientation(int width, int height, int orientation, boolean progressive)
            throws Exception {
        byte[] jpeg = orientedStripes(width, height, orientation, progressive, 0.95f);

        ReducedImage reduced = DCT_DECODER.decodeReduced(jpeg);
        RgbImage full = new ImageDecoder().decode(jpeg);
        assertEquals(Downscale.DCT.factor(width, height), reduced.factor(), "took the DCT path");
        assertEquals(full.width(), reduced.fullWidth());
        assertEquals(full.height(), reduced.fullHeight());

        byte[] exact = CLIP.resizeAndCrop(full);
        byte[] fast = CLIP.resizeAndCrop(reduced);
        double mean = 0;
        for (int i = 0; i < exact.length; i++) {
            mean += Math.abs((exact[i] & 0xFF) - (fast[i] & 0xFF));
        }
        mean /= exact.length;
        int worst = TestImages.maxDifference(exact, fast);
        System.out.printf("%dx%d orientation %d: mean %.3f, max %d levels%n", width, height, orientation, mean, worst);
        // Right region: mean < 0.6, largest 3 levels at 1/2 and 1/4, 9 at 1/8 (chroma at 1/16); the region off by the
        // partial block (every orientation that reverses an axis) gave 14 to 45.
        assertTrue(mean < 1.0, "mean difference " + mean + " levels");
        assertTrue(worst <= 10, "largest difference " + worst + " levels");
    }

    @Test
    void aLargeSharedPhotoStaysCloseToExact() throws Exception {
        byte[] large = TestImages.sharedImage("formats/rocket-large.jpg"); // 4000 x 2669: read at 1/2
        assertEquals(2, DCT_DECODER.decodeReduced(large).factor());
        float[] exact = EXACT.preprocess(large);
        float[] fast = DCT.preprocess(large);
        double dot = 0;
        double a = 0;
        double b = 0;
        for (int i = 0; i < exact.length; i++) {
            dot += exact[i] * (double) fast[i];
            a += exact[i] * (double) exact[i];
            b += fast[i] * (double) fast[i];
        }
        assertTrue(dot / Math.sqrt(a * b) > 0.9999, "tensor cosine " + dot / Math.sqrt(a * b));
    }

    /**
     * A JPEG whose shorter side is 896 to 1791 pixels cannot be read at 1/2, so libjpeg-turbo decodes it at full
     * size: the same pixels as the exact decoder (ImageIO plus PIL's upsampling), turned the same way.
     */
    @ParameterizedTest(name = "{0}x{1}, orientation {2}, progressive {3}")
    @CsvSource({"1503, 1001, 1, false", "1503, 1001, 6, false", "1001, 1503, 3, true", "1791, 1790, 8, false"})
    void aJpegTooSmallToScaleIsDecodedToTheExactPixels(int width, int height, int orientation, boolean progressive)
            throws Exception {
        byte[] jpeg = orientedStripes(width, height, orientation, progressive, 0.9f);

        ReducedImage fullSize = DCT_DECODER.decodeReduced(jpeg);

        assertEquals(1, fullSize.factor());
        RgbImage exact = new ImageDecoder().decode(jpeg);
        assertEquals(exact.width(), fullSize.pixels().width());
        assertEquals(exact.height(), fullSize.pixels().height());
        assertArrayEquals(exact.rgb(), fullSize.pixels().rgb());
    }

    @Test
    void smallJpegsAndOtherFormatsGiveTheExactTensor() throws Exception {
        for (String name : new String[] {"rocket.jpg", "formats/chelsea-exif-rotated.jpg", "formats/coffee-cmyk.jpg",
                "formats/camera-gray.jpg", "formats/astronaut-progressive.jpg", "coffee.png", "formats/coffee.webp"}) {
            byte[] bytes = TestImages.sharedImage(name);
            assertEquals(1, DCT_DECODER.decodeReduced(bytes).factor(), name);
            assertArrayEquals(EXACT.preprocess(bytes), DCT.preprocess(bytes), name);
        }
    }

    @Test
    void aLargeCmykJpegKeepsTheImageIoPath() throws Exception {
        byte[] cmyk = TestImages.sharedImage("formats/coffee-cmyk.jpg");
        assertEquals(4, JpegHeader.read(cmyk).components());
        assertTrue(!JpegHeader.read(cmyk).scalable());
        assertTrue(JpegHeader.read(TestImages.sharedImage("formats/rocket-large.jpg")).scalable());
        assertTrue(JpegHeader.read(TestImages.sharedImage("formats/camera-gray.jpg")).scalable());
    }

    @ParameterizedTest(name = "cut to {0}")
    @CsvSource({"0.5", "0.99", "0.9999"})
    void aTruncatedLargeJpegIsRefusedAsTruncated(double keep) {
        byte[] whole = TestImages.sharedImage("formats/rocket-large.jpg");
        byte[] cut = Arrays.copyOf(whole, (int) (whole.length * keep));

        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DCT.preprocess(cut));

        assertEquals(ImageDecodeException.Reason.TRUNCATED, e.reason(), e.getMessage());
    }

    @Test
    void aLargeJpegWithoutItsEndMarkerIsRefusedAsTheExactPathRefusesIt() {
        byte[] whole = TestImages.sharedImage("formats/rocket-large.jpg");
        byte[] noEoi = Arrays.copyOf(whole, whole.length - 2);
        assertEquals(ImageDecodeException.Reason.TRUNCATED,
                assertThrows(ImageDecodeException.class, () -> EXACT.preprocess(noEoi)).reason());
        assertEquals(ImageDecodeException.Reason.TRUNCATED,
                assertThrows(ImageDecodeException.class, () -> DCT.preprocess(noEoi)).reason());
    }

    /** 0: markers where data should be; 1: random data bytes (bad Huffman codes only); 2: bits flipped here and there. */
    @ParameterizedTest(name = "damage {0}")
    @CsvSource({"0", "1", "2"})
    void damagedLargeJpegDataEndsAsOnTheExactPath(int damage) {
        byte[] jpeg = TestImages.sharedImage("formats/rocket-large.jpg").clone();
        java.util.Random random = new java.util.Random(damage);
        for (int i = jpeg.length / 3; i < jpeg.length / 3 + 4000; i++) {
            if (damage == 0) {
                jpeg[i] = (byte) 0xFF;
            } else if (damage == 1) {
                jpeg[i] = (byte) random.nextInt(0xFF);
            } else if (i % 50 == 0) {
                jpeg[i] ^= 0x10;
            }
        }
        assertEquals(outcome(EXACT, jpeg), outcome(DCT, jpeg));
    }

    @Test
    void aLargeJpegBombIsRefusedFromItsHeader() throws Exception {
        byte[] bomb = TestImages.sharedImage("formats/rocket-large.jpg").clone();
        int sof = sofData(bomb);
        bomb[sof + 1] = (byte) (30000 >> 8);
        bomb[sof + 2] = (byte) (30000 & 0xFF);
        bomb[sof + 3] = (byte) (30000 >> 8);
        bomb[sof + 4] = (byte) (30000 & 0xFF);
        long start = System.nanoTime();
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DCT.preprocess(bomb));
        assertEquals(ImageDecodeException.Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("30000x30000"), e.getMessage());
        assertTrue(System.nanoTime() - start < 1_000_000_000L, "refused from the header");
    }

    /** "ok" or the failure's reason, for comparing two paths on one input. */
    private static Object outcome(ImagePreprocessor p, byte[] bytes) {
        try {
            p.preprocess(bytes);
            return "ok";
        } catch (ImageDecodeException e) {
            return e.reason();
        }
    }

    /** Offset of the SOF0 segment's data (precision, height, width, components). */
    private static int sofData(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                return i + 4;
            }
        }
        throw new IllegalStateException("no SOF0");
    }

    /** {@link #stripes} as a JPEG with this EXIF orientation. */
    private static byte[] orientedStripes(int width, int height, int orientation, boolean progressive, float quality)
            throws java.io.IOException {
        return ExifSegments.withOrientation(BenchImageSet.encodeJpeg(stripes(width, height), quality, progressive),
                orientation);
    }

    /** Vertical stripes of period 37, a diagonal edge, and a smooth colour ramp. */
    static BufferedImage stripes(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = (y * width + x) * 3;
                int stripe = (int) (127.5 + 100 * Math.sin(2 * Math.PI * x / 37.0));
                int edge = x * (long) height > y * (long) width * 2 ? 220 : 30;
                bgr[p] = (byte) (255 * y / height);
                bgr[p + 1] = (byte) stripe;
                bgr[p + 2] = (byte) edge;
            }
        }
        return image;
    }
}

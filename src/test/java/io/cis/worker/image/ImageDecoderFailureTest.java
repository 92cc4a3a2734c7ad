package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input ends in a typed, descriptive ImageDecodeException, quickly and without decoding a bomb. */
class ImageDecoderFailureTest {

    private final ImageDecoder decoder = new ImageDecoder();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "formats/empty.jpg, EMPTY",
        "formats/random-bytes.png, UNSUPPORTED_FORMAT",
        "formats/text-as-image.jpg, UNSUPPORTED_FORMAT",
        "truncated.jpg, TRUNCATED",
        // 64-bit float planar TIFF: PIL cannot read it either, so there is no reference picture to match.
        "multipage_rgb.tif, UNSUPPORTED_FORMAT",
    })
    void refusesSharedBadInput(String file, ImageDecodeException.Reason reason) {
        byte[] bytes = TestImages.sharedImage(file);

        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(bytes));

        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage() != null && e.getMessage().length() > 10, "descriptive message: " + e.getMessage());
    }

    @Test
    void nullIsEmpty() {
        assertEquals(ImageDecodeException.Reason.EMPTY,
                assertThrows(ImageDecodeException.class, () -> decoder.decode(null)).reason());
    }

    @Test
    void refusesTheBombFromItsHeaderQuicklyAndWithoutAllocatingIt() {
        byte[] bomb = TestImages.sharedImage("formats/bomb-30000x30000.png");

        long start = System.nanoTime();
        ImageDecodeException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ImageDecodeException.class, () -> decoder.decode(bomb)));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(ImageDecodeException.Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("30000x30000"), e.getMessage());
        System.out.println("bomb refused in " + millis + " ms");

        // The decoded bomb would be 900 MB of grey; refusing it must cost about what the header costs.
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThrows(ImageDecodeException.class, () -> decoder.decode(bomb));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.println("bomb refusal allocated " + allocated / 1024 + " KiB");
        assertTrue(allocated < 32L << 20, "allocated " + allocated + " bytes to refuse the bomb");
    }

    @ParameterizedTest(name = "{0} cut to {1}")
    @CsvSource({
        "rocket.jpg, 0.5",
        "rocket.jpg, 0.99",
        "formats/astronaut-progressive.jpg, 0.6",
        "formats/coffee-cmyk.jpg, 0.6",
        "coffee.png, 0.5",
        "coffee.png, 0.99",
        "formats/coffee.webp, 0.5",
        "formats/horse-alpha.webp, 0.5",
        "formats/chelsea.bmp, 0.5",
        "formats/coffee-lzw.tif, 0.5",
        "chessboard_GRAY_U16.tif, 0.5",
        // Inside the first frame; PIL refuses this one too ("image file is truncated").
        "no_time_for_that_tiny.gif, 0.2",
    })
    void refusesTruncatedFiles(String file, double keep) {
        byte[] whole = TestImages.sharedImage(file);
        byte[] cut = Arrays.copyOf(whole, (int) (whole.length * keep));

        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(cut));

        assertEquals(ImageDecodeException.Reason.TRUNCATED, e.reason(), e.getMessage());
    }

    @Test
    void corruptCompressedDataIsCorrupt() {
        byte[] png = TestImages.sharedImage("coffee.png").clone();
        for (int i = png.length / 2; i < png.length / 2 + 200; i++) {
            png[i] ^= 0x5A;
        }

        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(png));

        assertEquals(ImageDecodeException.Reason.CORRUPT, e.reason(), e.getMessage());
    }

    @Test
    void brokenVp8StartCodeIsCorrupt() {
        byte[] webp = TestImages.sharedImage("formats/coffee.webp").clone();
        webp[23] = 0; // the VP8 start code 9d 01 2a begins at byte 23

        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(webp));

        assertEquals(ImageDecodeException.Reason.CORRUPT, e.reason(), e.getMessage());
    }

    @Test
    void sideLimitRefusesThePanorama() {
        ImageDecoder strict = new ImageDecoder(new DecodeLimits(DecodeLimits.PIL_MAX_PIXELS, 2048));

        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> strict.decode(TestImages.sharedImage("formats/coffee-panorama.png")));

        assertEquals(ImageDecodeException.Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("4000x10"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"coffee.png", "formats/coffee.webp", "formats/coffee-cmyk.jpg", "formats/coffee-lzw.tif"})
    void pixelLimitAppliesToEveryDecoder(String file) throws Exception {
        byte[] bytes = TestImages.sharedImage(file); // 600 x 400 = 240,000 pixels

        assertEquals(ImageDecodeException.Reason.TOO_LARGE, assertThrows(ImageDecodeException.class,
                () -> new ImageDecoder(new DecodeLimits(239_999, 1000)).decode(bytes)).reason());
        assertEquals(600, new ImageDecoder(new DecodeLimits(240_000, 600)).decode(bytes).width());
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(0, 100));
        assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(100, -1));
    }
}

package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;

/**
 * What the default path makes of a picture that is not a JPEG, against what the exact path makes of it averaged as
 * the default path averages it: for the tests that prove a faster decoder changes no pixel and no error.
 */
final class BoxReducedOutcome {

    private static final ImageDecoder EXACT = new ImageDecoder();
    private static final ImageDecoder DEFAULT = new ImageDecoder(DecodeLimits.DEFAULT, Downscale.DCT);

    private BoxReducedOutcome() {
    }

    /** "ok WxH hash" of the picture, or the error's reason and message. */
    static String of(byte[] bytes, boolean defaultPath) {
        try {
            RgbImage picture;
            if (defaultPath) {
                picture = DEFAULT.decodeReduced(bytes).pixels();
            } else {
                RgbImage full = EXACT.decode(bytes);
                picture = BoxReducer.reduce(full, Downscale.DCT.blockFactor(full.width(), full.height()), true);
            }
            return "ok " + picture.width() + "x" + picture.height() + " " + Arrays.hashCode(picture.rgb());
        } catch (ImageDecodeException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    /** The streaming decoder's picture is there and is the exact one. */
    static void assertSamePicture(RgbImage exact, RgbImage streamed, String what) {
        assertNotNull(streamed, what);
        assertEquals(exact.width(), streamed.width(), what);
        assertEquals(exact.height(), streamed.height(), what);
        assertArrayEquals(exact.rgb(), streamed.rgb(), what);
    }
}

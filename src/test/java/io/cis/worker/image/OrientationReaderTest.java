package io.cis.worker.image;

import io.cis.worker.testing.ExifSegments;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * Metadata parsing edge cases; that each orientation turns the picture as PIL does is covered by
 * ImageDecoderPilCasesTest (orientation-2..8.jpg and the PNG, WebP and TIFF variants).
 */
class OrientationReaderTest {

    @Test
    void readsBigEndianExifInAJpeg() {
        byte[] jpeg = jpegWithApp1(ExifSegments.exif(false, 3, 6));

        assertEquals(Orientation.ROTATE_CLOCKWISE, OrientationReader.read(ImageFormat.JPEG, jpeg));
    }

    @Test
    void readsLittleEndianLongValue() {
        byte[] jpeg = jpegWithApp1(ExifSegments.exif(true, 4, 8));

        assertEquals(Orientation.ROTATE_COUNTER_CLOCKWISE, OrientationReader.read(ImageFormat.JPEG, jpeg));
    }

    @Test
    void unknownValuesAndBrokenExifMeanAsStored() {
        assertEquals(Orientation.NORMAL, OrientationReader.read(ImageFormat.JPEG, jpegWithApp1(ExifSegments.exif(false, 3, 9))));
        byte[] cut = ExifSegments.exif(false, 3, 6);
        byte[] truncatedExif = java.util.Arrays.copyOf(cut, cut.length - 6);
        assertEquals(Orientation.NORMAL, OrientationReader.read(ImageFormat.JPEG, jpegWithApp1(truncatedExif)));
        byte[] garbage = "Exif\0\0IIgarbage-garbage".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(Orientation.NORMAL, OrientationReader.read(ImageFormat.JPEG, jpegWithApp1(garbage)));
        assertEquals(Orientation.NORMAL, OrientationReader.read(ImageFormat.JPEG, new byte[] {(byte) 0xFF, (byte) 0xD8}));
    }

    @Test
    void sharedPhotosCarryTheOrientationsPilFinds() {
        assertEquals(Orientation.ROTATE_CLOCKWISE, OrientationReader.read(ImageFormat.JPEG,
                TestImages.sharedImage("formats/chelsea-exif-rotated.jpg")));
        assertEquals(Orientation.NORMAL, OrientationReader.read(ImageFormat.TIFF,
                TestImages.sharedImage("formats/coffee-lzw.tif")));
        assertEquals(Orientation.NORMAL, OrientationReader.read(ImageFormat.PNG,
                TestImages.sharedImage("chelsea.png")));
    }

    @Test
    void turningMapsEveryStoredPixelToADistinctPlace() {
        int w = 5;
        int h = 3;
        for (Orientation o : Orientation.values()) {
            boolean[] hit = new boolean[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int at = o.rowStart(y, w, h) + x * o.step(w, h);
                    assertEquals(false, hit[at], o + " maps two pixels to " + at);
                    hit[at] = true;
                }
            }
        }
    }

    private static byte[] jpegWithApp1(byte[] payload) {
        return ExifSegments.withApp1(payload, new byte[] {(byte) 0xFF, (byte) 0xD9});
    }
}

package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class JpegStructureTest {

    @Test
    void findsEvery0xFfWhereverItSitsInTheEightByteWords() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 2000; trial++) {
            byte[] b = new byte[1 + random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                // No 0xFF, but neighbours of it (0xFE, 0x7F, 0x00) that a wrong bit trick would mistake for it.
                b[i] = (byte) new int[] {0x00, 0x7F, 0x80, 0xFE, 0x01, 0x3C}[random.nextInt(6)];
            }
            int marks = random.nextInt(3);
            for (int m = 0; m < marks; m++) {
                b[random.nextInt(b.length)] = (byte) 0xFF;
            }
            for (int from = 0; from <= b.length; from++) {
                assertEquals(naiveNextFf(b, from), JpegStructure.nextFf(b, from), Arrays.toString(b) + " from " + from);
            }
        }
    }

    @Test
    void aWholePhotoIsIntactAndTheSameCutShortIsNot() {
        byte[] photo = TestImages.sharedImage("formats/rocket-large.jpg");
        assertTrue(JpegStructure.intact(photo));
        assertFalse(JpegStructure.intact(Arrays.copyOf(photo, photo.length - 2)), "no EOI");
        assertFalse(JpegStructure.intact(Arrays.copyOf(photo, photo.length / 2)), "half the scan data");
    }

    private static int naiveNextFf(byte[] b, int from) {
        int i = from;
        while (i < b.length && b[i] != (byte) 0xFF) {
            i++;
        }
        return i;
    }
}

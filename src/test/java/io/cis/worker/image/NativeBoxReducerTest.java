package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NativeBoxReducerTest {

    @ParameterizedTest(name = "factor {0}")
    @ValueSource(ints = {2, 3, 4, 5, 7, 8})
    void averagesAsBoxReducerDoesWithHalvesToEvenInBandsAndWithOddEdges(int factor) {
        // 1001 x 1203: edges that do not fill a block on both sides, and more than one band of rows.
        int w = 1001;
        int h = 1203;
        byte[] rgb = new byte[w * h * 3];
        SplittableRandom random = new SplittableRandom(factor);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) ((i / 3 % w + i / 3 / w) / 7 + random.nextInt(9));
        }
        RgbImage image = new RgbImage(w, h, rgb);

        RgbImage expected = BoxReducer.reduce(image, factor, true);
        RgbImage actual = NativeBoxReducer.reduce(image, factor);

        assertEquals(expected.width(), actual.width());
        assertEquals(expected.height(), actual.height());
        assertArrayEquals(expected.rgb(), actual.rgb());
    }

    @ParameterizedTest(name = "factor {0}")
    @ValueSource(ints = {0, 1})
    void aFactorBelowTwoLeavesThePicture(int factor) {
        RgbImage image = new RgbImage(2, 1, new byte[6]);
        assertSame(image, NativeBoxReducer.reduce(image, factor));
    }
}

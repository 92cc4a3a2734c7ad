package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The facade the pipeline calls from a pool of decode threads. */
class ImagePreprocessorTest {

    private static final String[] FILES = {
        "rocket.jpg", "astronaut.png", "formats/coffee.webp", "formats/coffee-cmyk.jpg",
        "formats/chelsea-exif-rotated.jpg", "no_time_for_that_tiny.gif", "formats/coffee-lzw.tif",
        "formats/coffee-panorama.png",
    };

    private final ImagePreprocessor preprocessor = new ImagePreprocessor();

    @Test
    void oneSharedInstanceGivesEachThreadTheSameTensorsAsOneThread() throws Exception {
        List<float[]> alone = new ArrayList<>();
        for (String file : FILES) {
            alone.add(preprocessor.preprocess(TestImages.sharedImage(file)));
        }

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String file : FILES) {
                    byte[] bytes = TestImages.sharedImage(file);
                    results.add(pool.submit(() -> preprocessor.preprocess(bytes)));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(alone.get(i % FILES.length), results.get(i).get(60, TimeUnit.SECONDS),
                        FILES[i % FILES.length]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Prints warm timings for the closing report; JIT warm-up first, so the figure is the steady state. */
    @Test
    void reportsDecodeAndPreprocessTimes() throws Exception {
        for (String file : new String[] {"formats/rocket-large.jpg", "astronaut.png"}) {
            byte[] bytes = TestImages.sharedImage(file);
            for (int warmUp = 0; warmUp < 6; warmUp++) {
                preprocessor.preprocess(bytes);
            }
            int runs = 5;
            long start = System.nanoTime();
            float[] tensor = null;
            for (int i = 0; i < runs; i++) {
                tensor = preprocessor.preprocess(bytes);
            }
            double ms = (System.nanoTime() - start) / 1e6 / runs;
            assertEquals(ClipPreprocessor.TENSOR_LENGTH, tensor.length);
            System.out.printf(Locale.ROOT, "decode + preprocess %s: %.1f ms%n", file, ms);
        }
    }

    @Test
    void badBytesAreATypedError() {
        assertEquals(ImageDecodeException.Reason.UNSUPPORTED_FORMAT, assertThrows(ImageDecodeException.class,
                () -> preprocessor.preprocess("not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .reason());
    }
}

package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.bench.BenchImageSet;
import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.Downscale;
import io.cis.worker.image.ImageDecodeException;
import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.ExifSegments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default IMAGE_DOWNSCALE=dct against the bit-exact path, through the test model: every vector within cosine
 * 0.9999, on ../shared/images and on a small benchmark-like set of camera-sized JPEGs (0.3-12 MP, noisy, some
 * progressive), a third of them with an EXIF orientation.
 */
class DctFidelityTest {

    private static final double MIN_COSINE = 0.9999;
    private static final ImagePreprocessor EXACT = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.EXACT);
    private static final ImagePreprocessor DCT = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.DCT);

    private static ClipModel model;

    @BeforeAll
    static void load() {
        model = ClipReference.loadModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void sharedImagesStayWithinCosine() throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(ClipReference.SHARED_IMAGES)) {
            files = walk.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md")).sorted().toList();
        }
        List<byte[]> images = new ArrayList<>();
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            String exact = outcome(EXACT, bytes);
            assertEquals(exact, outcome(DCT, bytes), file + ": refused the same way");
            if (exact.equals("ok")) {
                images.add(bytes);
            }
        }
        assertTrue(images.size() >= 20, "decodable shared images: " + images.size());
        double worst = worstCosine(images);
        System.out.printf("dct vs exact over %d shared images: min cosine %.6f%n", images.size(), worst);
        assertTrue(worst >= MIN_COSINE, "min cosine " + worst);
    }

    @Test
    void aBenchmarkLikeSetStaysWithinCosine(@TempDir Path cache) throws Exception {
        BenchImageSet set = BenchImageSet.loadOrGenerate(cache, ClipReference.SHARED_IMAGES, 16, 7, 2, null);
        List<byte[]> images = new ArrayList<>();
        int large = 0;
        for (int i = 0; i < set.images().size(); i++) {
            BenchImageSet.Image image = set.images().get(i);
            byte[] bytes = Files.readAllBytes(set.path(image));
            if (i % 3 == 0 && image.file().endsWith(".jpg")) {
                bytes = ExifSegments.withOrientation(bytes, 1 + i % 8);
            }
            images.add(bytes);
            large += Math.min(image.width(), image.height()) >= Downscale.DCT.minSide() * 2 ? 1 : 0;
        }
        assertTrue(large >= 5, "JPEGs large enough for the DCT path: " + large);
        double worst = worstCosine(images);
        System.out.printf("dct vs exact over %d benchmark-like images (%d read at 1/2 or less): min cosine %.6f%n",
                images.size(), large, worst);
        assertTrue(worst >= MIN_COSINE, "min cosine " + worst);
    }

    private static double worstCosine(List<byte[]> images) throws ImageDecodeException {
        double worst = 1;
        try (ImageEmbedder embedder = model.newEmbedder(1)) {
            for (byte[] bytes : images) {
                float[] exact = embedder.embed(List.of(EXACT.preprocess(bytes)))[0];
                float[] dct = embedder.embed(List.of(DCT.preprocess(bytes)))[0];
                worst = Math.min(worst, VectorMath.cosine(exact, dct));
            }
        }
        return worst;
    }

    private static String outcome(ImagePreprocessor p, byte[] bytes) {
        try {
            p.preprocess(bytes);
            return "ok";
        } catch (ImageDecodeException e) {
            return e.reason().toString();
        }
    }
}

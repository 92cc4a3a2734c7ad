package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.testing.ClipReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL side of fidelity: PIL's preprocessed tensors through our loader give the reference vectors. */
class ClipModelTest {

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
    void referenceTensorsGiveTheReferenceVectors() {
        List<ClipReference.Image> images = ClipReference.images().stream().filter(ClipReference.Image::decodable).toList();
        assertTrue(images.size() >= 20, "reference set unexpectedly small: " + images.size());
        double worst = 1;
        try (ImageEmbedder embedder = model.newEmbedder(1)) {
            for (ClipReference.Image image : images) {
                float[] vector = embedder.embed(List.of(ClipReference.referenceTensor(image)))[0];
                double cosine = VectorMath.cosine(vector, image.embedding());
                worst = Math.min(worst, cosine);
                assertTrue(cosine >= 0.9999, image.file() + " cosine " + cosine);
                assertEquals(1.0, Math.sqrt(dot(vector, vector)), 1e-5, "unit length");
            }
        }
        System.out.printf("DJL vs reference over %d images: min cosine %.9f%n", images.size(), worst);
    }

    /** The whole Java path, file bytes to vector, without servers: what `embed` and the worker compute. */
    @Test
    void javaPreprocessingPlusDjlGivesTheReferenceVectors() throws Exception {
        ImagePreprocessor preprocessor = new ImagePreprocessor();
        double worst = 1;
        String worstFile = "";
        try (ImageEmbedder embedder = model.newEmbedder(1)) {
            for (ClipReference.Image image : ClipReference.images()) {
                if (!image.decodable()) {
                    continue;
                }
                float[] pixels = preprocessor.preprocess(Files.readAllBytes(image.path()));
                double cosine = VectorMath.cosine(embedder.embed(List.of(pixels))[0], image.embedding());
                if (cosine < worst) {
                    worst = cosine;
                    worstFile = image.file();
                }
                assertTrue(cosine >= 0.9999, image.file() + " cosine " + cosine);
            }
        }
        System.out.printf("Java preprocessing + DJL vs reference: min cosine %.9f (%s)%n", worst, worstFile);
    }

    @Test
    void batchOfEightEqualsBatchOfOne() {
        List<ClipReference.Image> images = ClipReference.images().stream().filter(ClipReference.Image::decodable).limit(8).toList();
        List<float[]> tensors = images.stream().map(ClipReference::referenceTensor).toList();
        try (ImageEmbedder embedder = model.newEmbedder(8)) {
            float[][] batched = embedder.embed(tensors);
            for (int i = 0; i < tensors.size(); i++) {
                float[] single = embedder.embed(List.of(tensors.get(i)))[0];
                assertTrue(VectorMath.cosine(single, batched[i]) >= 0.99999, images.get(i).file());
            }
        }
    }

    @Test
    void wrongDimensionIsRefusedAtLoad() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ClipModel.load(ClipReference.MODEL, ClipReference.modelName(), 768, Optional.empty()));
        assertTrue(e.getMessage().contains("outputs 512-dimensional vectors but VECTOR_DIMENSION is 768"), e.getMessage());
    }

    @Test
    void wrongNameIsRefusedAtLoad() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ClipModel.load(ClipReference.MODEL, "openai/clip-vit-base-patch32", 512, Optional.empty()));
        assertTrue(e.getMessage().contains("was exported as 'cis-test/clip-vit-small-random'"), e.getMessage());
    }

    @Test
    void wrongChecksumIsRefusedBeforeLoading() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ClipModel.load(ClipReference.MODEL, ClipReference.modelName(), 512, Optional.of("0".repeat(64))));
        assertTrue(e.getMessage().contains("MODEL_SHA256"), e.getMessage());
    }

    @Test
    void matchingChecksumLoads() {
        String sha = ClipModel.sha256(ClipReference.MODEL);
        try (ClipModel verified = ClipModel.load(ClipReference.MODEL, ClipReference.modelName(), 512, Optional.of(sha))) {
            assertEquals(512, verified.dimension());
        }
    }

    @Test
    void missingOrGarbageModelFilesGiveClearErrors(@TempDir Path dir) throws Exception {
        ModelLoadException missing = assertThrows(ModelLoadException.class,
                () -> ClipModel.load(dir.resolve("nope.pt"), "x", 512, Optional.empty()));
        assertTrue(missing.getMessage().startsWith("model file not found"), missing.getMessage());
        Path garbage = Files.writeString(dir.resolve("model.pt"), "not a torchscript archive");
        ModelLoadException bad = assertThrows(ModelLoadException.class,
                () -> ClipModel.load(garbage, "x", 512, Optional.empty()));
        assertTrue(bad.getMessage().startsWith("cannot load TorchScript model"), bad.getMessage());
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }
}

package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.testing.ClipReference;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bf16 export the export script writes beside model.pt (here the small test model's, committed) gives the fp32
 * vectors to a cosine of 0.9999 on every decodable picture of ../shared/images, through the whole Java path.
 */
class Bf16FidelityTest {

    @Test
    void bf16VectorsMatchFp32OnTheSharedImages() throws Exception {
        DjlRuntime.configure(Optional.empty(), 2, 1, true);
        ModelChoice bf16 = ModelChoice.choose(ClipReference.MODEL, ModelPrecision.BF16, Set.of(), List.of());
        assertEquals(ModelChoice.bf16Export(ClipReference.MODEL), bf16.file(), "the committed bf16 export beside model.pt");

        ImagePreprocessor preprocessor = new ImagePreprocessor();
        List<float[]> tensors = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ClipReference.Image image : ClipReference.images()) {
            if (image.decodable()) {
                tensors.add(preprocessor.preprocess(Files.readAllBytes(image.path())));
                names.add(image.file());
            }
        }
        assertTrue(tensors.size() >= 20, "reference set unexpectedly small: " + tensors.size());
        String name = ClipReference.modelName();
        float[][] fp32;
        float[][] reduced;
        try (ClipModel model = ClipModel.load(ClipReference.MODEL, name, 512, Optional.empty())) {
            fp32 = embed(model, tensors);
        }
        try (ClipModel model = ClipModel.load(bf16.file(), name, 512, Optional.empty())) {
            reduced = embed(model, tensors);
        }
        double worst = 1;
        double sum = 0;
        for (int i = 0; i < tensors.size(); i++) {
            double cosine = VectorMath.cosine(fp32[i], reduced[i]);
            assertTrue(cosine >= 0.9999, names.get(i) + ": bf16 vs fp32 cosine " + cosine);
            worst = Math.min(worst, cosine);
            sum += cosine;
        }
        System.out.printf("bf16 vs fp32 over %d images of ../shared/images: min cosine %.6f, mean %.6f%n",
                tensors.size(), worst, sum / tensors.size());
    }

    private static float[][] embed(ClipModel model, List<float[]> tensors) {
        float[][] vectors = new float[tensors.size()][];
        try (ImageEmbedder embedder = model.newEmbedder(8)) {
            for (int from = 0; from < tensors.size(); from += 8) {
                List<float[]> batch = tensors.subList(from, Math.min(tensors.size(), from + 8));
                float[][] out = embedder.embed(batch);
                System.arraycopy(out, 0, vectors, from, out.length);
            }
        }
        return vectors;
    }
}

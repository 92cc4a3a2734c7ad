package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.Downscale;
import io.cis.worker.image.ImagePreprocessor;
import io.cis.worker.testing.ClipReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up precision self-check with MODEL_PRECISION=auto, on real exports: the committed bf16 export of the test
 * model passes it and runs; a "bf16 export" whose vectors disagree with the fp32 one (another model's weights, as
 * badly rounded real weights would look) is refused, and the fp32 export runs instead.
 */
class ModelLoaderTest {

    // The daemon's default decode path: DCT-scaled JPEGs.
    private static final ImagePreprocessor DEFAULT_PATH = ImagePreprocessor.of(DecodeLimits.DEFAULT, Downscale.DCT);

    @Test
    void theCommittedBf16ExportPassesTheSelfCheckAndRuns() {
        ModelLoader.Request request = request(ClipReference.MODEL);
        ModelChoice bf16 = new ModelChoice(ModelChoice.bf16Export(ClipReference.MODEL), ModelPrecision.BF16, "test", false);

        ModelLoader.Loaded loaded = ModelLoader.load(request, bf16, DEFAULT_PATH);
        try (ClipModel model = loaded.model()) {
            assertEquals(ModelPrecision.BF16, loaded.precision());
            assertEquals(bf16.file(), model.file());
            PrecisionSelfCheck.Result check = loaded.check().orElseThrow();
            System.out.printf("precision self-check (small model, %d photos): min cosine %.6f (%s), %d ms%n",
                    PrecisionSelfCheck.PHOTOS.size(), check.minCosine(), check.worstPhoto(), check.took().toMillis());
            assertTrue(check.passed(), check.toString());
            assertTrue(check.minCosine() >= PrecisionSelfCheck.MIN_COSINE, check.toString());
        }
    }

    @Test
    void aBf16ExportThatDisagreesIsRefusedAndFp32Runs(@TempDir Path dir) throws IOException {
        Path fp32 = dir.resolve("model.pt");
        Files.copy(ClipReference.MODEL, fp32);
        Files.copy(ClipReference.DIR.resolve("model.json"), dir.resolve("model.json"));
        Path seed1 = Path.of("src/test/resources/clip-small-seed1/model.pt");
        Path bf16File = ModelChoice.bf16Export(fp32);
        Files.copy(seed1, bf16File);
        Files.writeString(dir.resolve("model-bf16.json"), Files.readString(ClipReference.DIR.resolve("model-bf16.json")));

        ModelLoader.Loaded loaded = ModelLoader.load(request(fp32),
                new ModelChoice(bf16File, ModelPrecision.BF16, "test", false), DEFAULT_PATH);
        try (ClipModel model = loaded.model()) {
            assertEquals(ModelPrecision.FP32, loaded.precision());
            assertEquals(fp32, model.file(), "the fp32 export runs");
            assertFalse(loaded.check().orElseThrow().passed());
        }
    }

    @Test
    void withoutAnAutoBf16ChoiceNothingIsChecked() {
        ModelLoader.Loaded loaded = ModelLoader.load(request(ClipReference.MODEL),
                new ModelChoice(ClipReference.MODEL, ModelPrecision.FP32, "test", false), DEFAULT_PATH);
        try (ClipModel model = loaded.model()) {
            assertEquals(ModelPrecision.FP32, loaded.precision());
            assertTrue(loaded.check().isEmpty());
        }
    }

    private static ModelLoader.Request request(Path modelPath) {
        return new ModelLoader.Request(modelPath, ClipReference.modelName(), 512, ModelPrecision.AUTO, List.of(), "auto");
    }
}

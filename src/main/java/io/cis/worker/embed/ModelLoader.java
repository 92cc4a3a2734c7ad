package io.cis.worker.embed;

import io.cis.worker.image.ImagePreprocessor;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Loads the model the worker runs, the same way for the daemon, the backfill, {@code embed} and the benchmark:
 * {@link ModelChoice} picks the export, and when MODEL_PRECISION=auto picked the bf16 export beside MODEL_PATH, the
 * {@link PrecisionSelfCheck} decides whether it stays or the fp32 export runs instead.
 */
public final class ModelLoader {

    private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

    /**
     * The model the pipeline embeds with.
     *
     * @param model     the loaded export
     * @param precision the precision it runs in
     * @param check     the self-check's figures, when it ran
     */
    public record Loaded(ClipModel model, ModelPrecision precision, Optional<PrecisionSelfCheck.Result> check) {
    }

    /** What to load: the settings of the model section. */
    public record Request(Path modelPath, String modelName, int dimension, ModelPrecision precision,
                          List<String> sha256s, String device) {
    }

    private ModelLoader() {
    }

    public static Loaded load(Request request, ImagePreprocessor preprocessor) {
        // The choice checks MODEL_SHA256 against the file it picks, so the load need not hash it again.
        return load(request, ModelChoice.chooseAndLog(request.modelPath(), request.precision(), request.sha256s()),
                preprocessor);
    }

    /** With the choice already made (from this CPU's flags, in {@link #load(Request, ImagePreprocessor)}). */
    static Loaded load(Request request, ModelChoice choice, ImagePreprocessor preprocessor) {
        ClipModel chosen = load(request, choice.file());
        boolean autoPickedTheBf16Export = request.precision() == ModelPrecision.AUTO
                && choice.precision() == ModelPrecision.BF16 && !choice.file().equals(request.modelPath());
        if (!autoPickedTheBf16Export) {
            return new Loaded(chosen, choice.precision(), Optional.empty());
        }
        ClipModel fp32 = null;
        try {
            fp32 = load(request, request.modelPath());
            PrecisionSelfCheck.Result result = PrecisionSelfCheck.run(fp32, chosen, preprocessor);
            Object[] fields = {kv("min_cosine", result.minCosine()), kv("worst_photo", result.worstPhoto()),
                    kv("threshold", PrecisionSelfCheck.MIN_COSINE), kv("photos", PrecisionSelfCheck.PHOTOS.size()),
                    kv("check_ms", result.took().toMillis()), kv("fp32_load_ms", fp32.loadTime().toMillis())};
            if (result.passed()) {
                log.info("precision self-check passed, running bf16", fields);
                fp32.close();
                return new Loaded(chosen, ModelPrecision.BF16, Optional.of(result));
            }
            log.warn("precision self-check failed, running fp32: the bf16 export's vectors are too far from the fp32 "
                    + "export's for these weights (set MODEL_PRECISION=float32 to skip the check)", fields);
            chosen.close();
            return new Loaded(fp32, ModelPrecision.FP32, Optional.of(result));
        } catch (RuntimeException e) {
            chosen.close();
            if (fp32 != null) {
                fp32.close();
            }
            throw e;
        }
    }

    private static ClipModel load(Request request, Path file) {
        return ClipModel.load(file, request.modelName(), request.dimension(), Optional.empty(), request.device());
    }
}

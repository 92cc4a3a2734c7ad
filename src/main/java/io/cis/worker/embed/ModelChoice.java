package io.cis.worker.embed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Which model file the worker loads, in which precision, and why: MODEL_PRECISION, the CPU and the files deployed
 * decide. The export scripts write the fp32 model.pt and, beside it, the same weights in bf16 ({@code model-bf16.pt}
 * with its own {@code model-bf16.json}), so that auto needs no operator step. (Converting the fp32 file at load
 * instead is not possible through DJL, which has no module-wide dtype cast, and the traced graph fixes its dtypes.)
 *
 * <ul>
 *   <li>fp32: MODEL_PATH, which must not be a bf16 export (as before auto existed).</li>
 *   <li>bf16: MODEL_PATH if it is a bf16 export (or records no dtype: the operator said so), else the bf16 export
 *       beside it; allowed on a CPU without native bf16 but warned, as bf16 is then usually slower than fp32.</li>
 *   <li>auto: bf16 when the CPU runs bf16 natively ({@link CpuFeatures#nativeBf16}: AMX or AVX-512 BF16 on x86,
 *       BF16 on arm64, Graviton3 and later) and a bf16
 *       export is there (and passes MODEL_SHA256 when that is set), fp32 otherwise; a lone bf16 export is loaded
 *       whatever the CPU.</li>
 * </ul>
 *
 * <p>Both precisions record the same MODEL_NAME, so fp32 and bf16 vectors share cache entries (and documents'
 * image_embedding_model), as they did since MODEL_PRECISION=bf16 existed: they differ by under 1e-4 in cosine
 * (min 0.99993 on ../shared/images with the full-size model), far less than any two different pictures.
 *
 * @param file      the model file to load
 * @param precision FP32 or BF16 (never AUTO)
 * @param reason    why, for the start-up log
 * @param warn      whether the choice deserves a warning (bf16 without native bf16, or native bf16 without a bf16
 *                  export to use it)
 */
public record ModelChoice(Path file, ModelPrecision precision, String reason, boolean warn) {

    private static final Logger log = LoggerFactory.getLogger(ModelChoice.class);
    private static final String FLOAT32 = ModelPrecision.FP32.torchDtype();
    private static final String BFLOAT16 = ModelPrecision.BF16.torchDtype();

    /** The bf16 export that belongs beside a model file: {@code model.pt} -> {@code model-bf16.pt}. */
    public static Path bf16Export(Path modelFile) {
        String name = modelFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return modelFile.resolveSibling(stem + "-bf16" + (dot > 0 ? name.substring(dot) : ""));
    }

    /**
     * @param acceptedSha256s MODEL_SHA256: when not empty, the chosen file's SHA-256 must be one of them
     * @throws ModelLoadException when the setting cannot be met by the files deployed
     */
    public static ModelChoice choose(Path modelPath, ModelPrecision setting, Set<String> cpuFlags,
                                     List<String> acceptedSha256s) {
        return choose(modelPath, setting, cpuFlags, System.getProperty("os.arch"), acceptedSha256s);
    }

    /** As {@link #choose(Path, ModelPrecision, Set, List)}, with flags read for a JVM of {@code osArch}. */
    public static ModelChoice choose(Path modelPath, ModelPrecision setting, Set<String> cpuFlags, String osArch,
                                     List<String> acceptedSha256s) {
        List<String> bf16Instructions = CpuFeatures.nativeBf16(cpuFlags);
        boolean nativeBf16 = !bf16Instructions.isEmpty();
        String cpuSays = nativeBf16 ? "this CPU has " + String.join(" and ", bf16Instructions)
                : CpuFeatures.noNativeBf16(osArch);
        Optional<String> recorded = ClipModel.recordedDtype(modelPath);
        ModelChoice choice = switch (setting) {
            case FP32 -> {
                ClipModel.checkRecordedPrecision(modelPath, FLOAT32);
                yield new ModelChoice(modelPath, ModelPrecision.FP32, "MODEL_PRECISION=fp32", false);
            }
            case BF16 -> {
                String cpu = nativeBf16 ? "" : "; " + cpuSays + ", where bf16 is usually slower than fp32";
                if (recorded.isEmpty() || recorded.get().equals(BFLOAT16)) {
                    yield new ModelChoice(modelPath, ModelPrecision.BF16, "MODEL_PRECISION=bf16" + cpu, !nativeBf16);
                }
                Path export = bf16Export(modelPath);
                if (!Files.isRegularFile(export)) {
                    throw new ModelLoadException("model file " + modelPath + " was exported as " + recorded.get()
                            + " and there is no bf16 export beside it (" + export + ") but MODEL_PRECISION expects "
                            + BFLOAT16);
                }
                ClipModel.checkRecordedPrecision(export, BFLOAT16);
                yield new ModelChoice(export, ModelPrecision.BF16, "MODEL_PRECISION=bf16: the bf16 export beside "
                        + "MODEL_PATH" + cpu, !nativeBf16);
            }
            case AUTO -> auto(modelPath, recorded, nativeBf16, cpuSays);
        };
        if (setting == ModelPrecision.AUTO && !choice.file().equals(modelPath) && !accepted(choice.file(), acceptedSha256s)) {
            choice = new ModelChoice(modelPath, ModelPrecision.FP32, "MODEL_PRECISION=auto: " + cpuSays + " but "
                    + "MODEL_SHA256 does not list the SHA-256 of the bf16 export " + choice.file() + " (add it to use bf16)",
                    true);
        }
        if (!accepted(choice.file(), acceptedSha256s)) {
            throw new ModelLoadException("model file " + choice.file() + " has SHA-256 " + ClipModel.sha256(choice.file())
                    + " but MODEL_SHA256 is " + String.join(",", acceptedSha256s));
        }
        return choice;
    }

    private static ModelChoice auto(Path modelPath, Optional<String> recorded, boolean nativeBf16, String cpuSays) {
        if (recorded.isPresent() && recorded.get().equals(BFLOAT16)) {
            return new ModelChoice(modelPath, ModelPrecision.BF16, "MODEL_PRECISION=auto: MODEL_PATH is a bf16 export "
                    + "(the only one there)" + (nativeBf16 ? "" : "; " + cpuSays + ", where bf16 is usually slower"),
                    !nativeBf16);
        }
        if (!nativeBf16) {
            return new ModelChoice(modelPath, ModelPrecision.FP32, "MODEL_PRECISION=auto: " + cpuSays
                    + ", so bf16 would be emulated and usually slower than fp32", false);
        }
        Path export = bf16Export(modelPath);
        if (!Files.isRegularFile(export) || !ClipModel.recordedDtype(export).orElse("").equals(BFLOAT16)) {
            return new ModelChoice(modelPath, ModelPrecision.FP32, "MODEL_PRECISION=auto: " + cpuSays + " but there "
                    + "is no bf16 export " + export + " (with its json) beside MODEL_PATH; re-export the model with "
                    + "scripts/export-production-model.sh and install it to get bf16", true);
        }
        return new ModelChoice(export, ModelPrecision.BF16, "MODEL_PRECISION=auto: " + cpuSays
                + ", where bf16 inference is several times faster than fp32", false);
    }

    /** Chooses as {@link #choose}, with this CPU's flags, and logs the choice and why (one JSON line). */
    public static ModelChoice chooseAndLog(Path modelPath, ModelPrecision setting, List<String> acceptedSha256s) {
        Set<String> flags = CpuFeatures.flags();
        ModelChoice choice = choose(modelPath, setting, flags, acceptedSha256s);
        Object[] fields = {kv("precision", choice.precision().name().toLowerCase(java.util.Locale.ROOT)),
                kv("setting", setting.name().toLowerCase(java.util.Locale.ROOT)), kv("model_file", choice.file().toString()),
                kv("cpu_bf16_instructions", CpuFeatures.nativeBf16(flags)), kv("os_arch", System.getProperty("os.arch")),
                kv("detail", choice.reason())};
        if (choice.warn()) {
            log.warn("model precision chosen", fields);
        } else {
            log.info("model precision chosen", fields);
        }
        return choice;
    }

    private static boolean accepted(Path file, List<String> acceptedSha256s) {
        return acceptedSha256s.isEmpty() || acceptedSha256s.contains(ClipModel.sha256(file));
    }
}

package io.cis.worker.embed;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A TorchScript CLIP image encoder loaded from a local file. Shared by all inference threads; each thread embeds
 * through its own {@link ImageEmbedder} because DJL predictors are not thread-safe.
 */
public final class ClipModel implements AutoCloseable {

    private final ZooModel<NDList, NDList> model;
    private final Path file;
    private final String name;
    private final int dimension;
    private final Duration loadTime;

    private ClipModel(ZooModel<NDList, NDList> model, Path file, String name, int dimension, Duration loadTime) {
        this.model = model;
        this.file = file;
        this.name = name;
        this.dimension = dimension;
        this.loadTime = loadTime;
    }

    /**
     * Loads the model, then proves it is the one configured: the SHA-256 when one is given, the name recorded in
     * the exporter's model.json beside it when present, and the dimension of a real forward pass.
     */
    public static ClipModel load(Path modelFile, String expectedName, int expectedDimension, Optional<String> expectedSha256) {
        return load(modelFile, expectedName, expectedDimension, expectedSha256, "auto");
    }

    /**
     * As {@link #load(Path, String, int, Optional)}, on a given device: "auto" (DJL's default: the first GPU when
     * the engine is a CUDA build and finds one, otherwise the CPU), "cpu", "gpu" or "gpu(N)".
     */
    public static ClipModel load(Path modelFile, String expectedName, int expectedDimension, Optional<String> expectedSha256,
                                 String device) {
        long start = System.nanoTime();
        if (!Files.isRegularFile(modelFile)) {
            throw new ModelLoadException("model file not found: " + modelFile + " (set MODEL_PATH; scripts/clip_model.py exports one)");
        }
        expectedSha256.ifPresent(expected -> {
            String actual = sha256(modelFile);
            if (!actual.equalsIgnoreCase(expected)) {
                throw new ModelLoadException("model file " + modelFile + " has SHA-256 " + actual + " but MODEL_SHA256 is " + expected);
            }
        });
        checkRecordedName(modelFile, expectedName);

        Criteria.Builder<NDList, NDList> builder = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(modelFile)
                .optEngine("PyTorch");
        if (!"auto".equals(device)) {
            builder.optDevice(device(device));
        }
        Criteria<NDList, NDList> criteria = builder.build();
        ZooModel<NDList, NDList> zooModel;
        try {
            zooModel = criteria.loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new ModelLoadException("cannot load TorchScript model " + modelFile + ": " + e.getMessage(), e);
        }
        ClipModel loaded = new ClipModel(zooModel, modelFile, expectedName, expectedDimension, Duration.ofNanos(System.nanoTime() - start));
        try {
            loaded.checkOutputDimension();
        } catch (RuntimeException e) {
            zooModel.close();
            throw e;
        }
        return loaded;
    }

    private void checkOutputDimension() {
        try (ImageEmbedder embedder = newEmbedder(1)) {
            int actual = embedder.rawOutputDimension(new float[ImageEmbedder.PIXELS_PER_IMAGE]);
            if (actual != dimension) {
                throw new ModelLoadException("model outputs " + actual + "-dimensional vectors but VECTOR_DIMENSION is " + dimension);
            }
        }
    }

    private static void checkRecordedName(Path modelFile, String expectedName) {
        recordedMetadata(modelFile).map(json -> json.path("model_name")).ifPresent(recorded -> {
            if (recorded.isTextual() && !recorded.asText().equals(expectedName)) {
                throw new ModelLoadException("model file " + modelFile + " was exported as '" + recorded.asText()
                        + "' (" + sidecar(modelFile) + ") but MODEL_NAME is '" + expectedName + "'");
            }
        });
    }

    /** The dtype the export's json records ("float32" when it records none), or empty without a json. */
    public static Optional<String> recordedDtype(Path modelFile) {
        return recordedMetadata(modelFile).map(json -> json.path("dtype").asText("float32"));
    }

    /** The json that scripts/clip_model.py writes beside the model file, if there is one. */
    private static Optional<JsonNode> recordedMetadata(Path modelFile) {
        Path sidecar = sidecar(modelFile);
        if (!Files.isRegularFile(sidecar)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ObjectMapper().readTree(sidecar.toFile()));
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + sidecar + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code X.json} beside {@code X.pt} (model.json, model-bf16.json), else model.json: a model file installed under
     * another name keeps the json of the export it came from.
     */
    private static Path sidecar(Path modelFile) {
        String name = modelFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path own = modelFile.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
        return Files.isRegularFile(own) ? own : modelFile.resolveSibling("model.json");
    }

    private static Device device(String name) {
        if (name.equals("cpu")) {
            return Device.cpu();
        }
        if (name.equals("gpu")) {
            return Device.gpu();
        }
        java.util.regex.Matcher gpu = java.util.regex.Pattern.compile("gpu\\(([0-9]+)\\)").matcher(name);
        if (gpu.matches()) {
            return Device.gpu(Integer.parseInt(gpu.group(1)));
        }
        throw new ModelLoadException("unknown device '" + name + "' (auto, cpu, gpu or gpu(N))");
    }

    /**
     * The precision is baked into the exported file (a bf16 export casts its input itself), so the setting only
     * states what the operator expects; a model.json recording another dtype means the wrong file is deployed.
     * Without a model.json there is nothing to check.
     */
    public static void checkRecordedPrecision(Path modelFile, String expectedTorchDtype) {
        recordedDtype(modelFile).ifPresent(recorded -> {
            if (!recorded.equals(expectedTorchDtype)) {
                throw new ModelLoadException("model file " + modelFile + " was exported as " + recorded + " ("
                        + sidecar(modelFile) + ") but MODEL_PRECISION expects " + expectedTorchDtype);
            }
        });
    }

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new ModelLoadException("cannot hash model file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A new embedder for one inference thread; close it when the thread ends. */
    public ImageEmbedder newEmbedder(int maxBatchSize) {
        return new ImageEmbedder(model, dimension, maxBatchSize);
    }

    /** Embeds with a temporary embedder; for one-off commands, not the pipeline. */
    public float[][] embedOnce(List<float[]> pixels) {
        try (ImageEmbedder embedder = newEmbedder(pixels.size())) {
            return embedder.embed(pixels);
        }
    }

    public String name() {
        return name;
    }

    /** The file loaded. */
    public Path file() {
        return file;
    }

    public int dimension() {
        return dimension;
    }

    public Duration loadTime() {
        return loadTime;
    }

    @Override
    public void close() {
        model.close();
    }
}

package io.cis.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.embed.ClipModel;
import io.cis.worker.embed.DjlRuntime;
import io.cis.worker.embed.ModelLoader;
import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.ImagePreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed local image files and print one JSON line per file, to check a model and an image by hand.",
                "Uses MODEL_PATH, MODEL_NAME and VECTOR_DIMENSION unless --model is given, and the daemon's image path (IMAGE_DOWNSCALE, MAX_IMAGE_PIXELS); runs fully offline."})
public final class EmbedCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--model", paramLabel = "PATH", description = "TorchScript model file (overrides MODEL_PATH).")
    Path modelPath;

    @Option(names = "--model-name", paramLabel = "NAME", description = "Expected model name (overrides MODEL_NAME).")
    String modelName;

    @Parameters(arity = "1..*", paramLabel = "FILE")
    List<Path> files;

    @Override
    public Integer call() {
        WorkerConfig workerConfig = config.load(WorkerConfig.Scope.MODEL_ONLY);
        WorkerConfig.ModelConfig m = workerConfig.model();
        Path path = modelPath != null ? modelPath : m.modelPath();
        String name = modelName != null ? modelName : m.modelName();
        DjlRuntime.configure(m.djlCacheDir(), m.torchThreads(), m.torchInteropThreads(), m.graphOptimizer());
        ObjectMapper json = new ObjectMapper();
        // The daemon's path: the same limits and IMAGE_DOWNSCALE mode (by default dct).
        ImagePreprocessor preprocessor = ImagePreprocessor.of(
                new DecodeLimits(workerConfig.objects().maxImagePixels(), DecodeLimits.DEFAULT_MAX_SIDE),
                workerConfig.objects().downscale());
        int failures = 0;
        // The daemon's choice of file and precision, self-check included; a --model given by hand is not held to
        // MODEL_SHA256.
        ModelLoader.Request request = new ModelLoader.Request(path, name, m.dimension(), m.precision(),
                modelPath != null ? List.of() : m.sha256s(), "auto");
        try (ClipModel model = ModelLoader.load(request, preprocessor).model()) {
            for (Path file : files) {
                ObjectNode line = json.createObjectNode().put("file", file.toString());
                try {
                    long start = System.nanoTime();
                    float[] pixels = preprocessor.preprocess(Files.readAllBytes(file));
                    float[] vector = model.embedOnce(List.of(pixels))[0];
                    line.put("model", model.name()).put("dimension", vector.length)
                            .put("millis", (System.nanoTime() - start) / 1_000_000);
                    ArrayNode values = line.putArray("embedding");
                    for (float v : vector) {
                        values.add(v);
                    }
                } catch (Exception e) {
                    failures++;
                    line.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                }
                System.out.println(line);
            }
        } catch (RuntimeException e) {
            System.err.println("embed: " + e.getMessage());
            return 3;
        }
        return failures == 0 ? 0 : 1;
    }
}

package io.cis.worker.bench;

import io.cis.worker.config.RawSettings;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.embed.ClipModel;
import io.cis.worker.embed.DjlRuntime;
import io.cis.worker.embed.ImageEmbedder;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.image.ClipPreprocessor;
import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.ImageDecoder;
import io.cis.worker.image.ImagePreprocessor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How far a faster path moves the vectors: cosine similarity, image by image, between the exact path and
 * (a) JPEG decoding with subsampling, (b) another model file (the bf16 export of the same weights), with the
 * speed of each path. Prints one line per image and a summary with the minimum and mean cosine.
 */
public final class EmbeddingFidelity {

    /** Subsampled JPEG decoding keeps the shorter side at least twice CLIP's input size. */
    public static final int SUBSAMPLE_MIN_SIDE = 2 * ClipPreprocessor.SIZE;

    private final Map<String, String> environment;
    private final PrintStream out;

    public EmbeddingFidelity(Map<String, String> environment, PrintStream out) {
        this.environment = environment;
        this.out = out;
    }

    public int run(List<Path> inputs, boolean subsampling, Path otherModel, String otherModelName, int speedBatches)
            throws IOException {
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), environment), WorkerConfig.Scope.MODEL_ONLY);
        WorkerConfig.ModelConfig m = config.model();
        DjlRuntime.configure(m.djlCacheDir(), m.torchThreads(), m.torchInteropThreads(), m.graphOptimizer());
        List<Path> files = files(inputs);
        DecodeLimits limits = new DecodeLimits(config.objects().maxImagePixels(), DecodeLimits.DEFAULT_MAX_SIDE);
        ImagePreprocessor exact = new ImagePreprocessor(new ImageDecoder(limits), new ClipPreprocessor());
        ImagePreprocessor fast = new ImagePreprocessor(new ImageDecoder(limits, SUBSAMPLE_MIN_SIDE), new ClipPreprocessor());

        // Decode every file both ways first (timed), so the model comparison below runs on the exact tensors.
        List<Path> usable = new ArrayList<>();
        List<float[]> exactTensors = new ArrayList<>();
        List<float[]> fastTensors = new ArrayList<>();
        long exactNanos = 0;
        long fastNanos = 0;
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            try {
                long t0 = System.nanoTime();
                float[] e = exact.preprocess(bytes);
                long t1 = System.nanoTime();
                float[] f = subsampling ? fast.preprocess(bytes) : null;
                long t2 = System.nanoTime();
                exactNanos += t1 - t0;
                fastNanos += t2 - t1;
                usable.add(file);
                exactTensors.add(e);
                fastTensors.add(f);
            } catch (Exception e) {
                out.println("skipped (not decodable, as expected for the bad-input fixtures): " + file + ": " + e.getMessage());
            }
        }
        if (usable.isEmpty()) {
            out.println("no decodable images");
            return 1;
        }

        try (ClipModel model = ClipModel.load(m.modelPath(), m.modelName(), m.dimension(), Optional.empty())) {
            List<float[]> reference = embedAll(model, exactTensors, m.batchMaxSize());
            if (subsampling) {
                List<float[]> subsampled = embedAll(model, fastTensors, m.batchMaxSize());
                Summary s = compare("subsampled JPEG decoding vs exact", usable, reference, subsampled);
                out.printf(Locale.ROOT, "decode+preprocess: exact %.1f ms per image, subsampled %.1f ms per image (%.2fx)%n",
                        exactNanos / 1e6 / usable.size(), fastNanos / 1e6 / usable.size(), (double) exactNanos / fastNanos);
                s.print(out);
            }
            if (otherModel != null) {
                String name = otherModelName != null ? otherModelName : m.modelName();
                try (ClipModel other = ClipModel.load(otherModel, name, m.dimension(), Optional.empty())) {
                    List<float[]> otherVectors = embedAll(other, exactTensors, m.batchMaxSize());
                    Summary s = compare(otherModel + " vs " + m.modelPath(), usable, reference, otherVectors);
                    s.print(out);
                    double a = speed(model, exactTensors, m.batchMaxSize(), speedBatches);
                    double b = speed(other, exactTensors, m.batchMaxSize(), speedBatches);
                    double a2 = speed(model, exactTensors, m.batchMaxSize(), speedBatches); // again: no order advantage
                    double b2 = speed(other, exactTensors, m.batchMaxSize(), speedBatches);
                    out.printf(Locale.ROOT, "model-only speed at batch %d, %d torch threads: %s %.1f images/s, %s %.1f images/s (%.2fx)%n",
                            m.batchMaxSize(), m.torchThreads(), m.modelPath(), Math.max(a, a2), otherModel, Math.max(b, b2),
                            Math.max(b, b2) / Math.max(a, a2));
                }
            }
        }
        return 0;
    }

    private static List<Path> files(List<Path> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    walk.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().matches("(?i).*\\.(md|txt|tsv|json|tmp)$"))
                            .sorted().forEach(files::add);
                }
            } else {
                files.add(input);
            }
        }
        return files;
    }

    private static List<float[]> embedAll(ClipModel model, List<float[]> tensors, int batchSize) {
        List<float[]> vectors = new ArrayList<>();
        try (ImageEmbedder embedder = model.newEmbedder(batchSize)) {
            for (int i = 0; i < tensors.size(); i += batchSize) {
                float[][] batch = embedder.embed(tensors.subList(i, Math.min(tensors.size(), i + batchSize)));
                vectors.addAll(List.of(batch));
            }
        }
        return vectors;
    }

    private static double speed(ClipModel model, List<float[]> tensors, int batchSize, int batches) {
        List<float[]> batch = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            batch.add(tensors.get(i % tensors.size()));
        }
        try (ImageEmbedder embedder = model.newEmbedder(batchSize)) {
            embedder.embed(batch);
            embedder.embed(batch);
            long start = System.nanoTime();
            for (int i = 0; i < batches; i++) {
                embedder.embed(batch);
            }
            return batches * batchSize / ((System.nanoTime() - start) / 1e9);
        }
    }

    private Summary compare(String what, List<Path> files, List<float[]> a, List<float[]> b) {
        out.println("== " + what);
        double min = 1;
        double sum = 0;
        String worst = "";
        for (int i = 0; i < files.size(); i++) {
            double cosine = VectorMath.cosine(a.get(i), b.get(i));
            out.printf(Locale.ROOT, "%.6f  %s%n", cosine, files.get(i));
            sum += cosine;
            if (cosine < min) {
                min = cosine;
                worst = files.get(i).toString();
            }
        }
        return new Summary(what, files.size(), min, sum / files.size(), worst);
    }

    private record Summary(String what, int images, double min, double mean, String worst) {
        void print(PrintStream out) {
            out.printf(Locale.ROOT, "%s: %d images, min cosine %.6f (%s), mean %.6f%n", what, images, min, worst, mean);
        }
    }
}

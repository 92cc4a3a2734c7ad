package io.cis.worker.bench;

import io.cis.worker.config.RawSettings;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.embed.ClipModel;
import io.cis.worker.embed.DjlRuntime;
import io.cis.worker.embed.ImageEmbedder;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.image.DecodeLimits;
import io.cis.worker.image.Downscale;
import io.cis.worker.image.ImagePreprocessor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * How far a faster path moves the vectors: cosine similarity, image by image, between the exact path and
 * (a) a fast downscale mode ({@link Downscale#DCT}, {@link Downscale#REDUCE}, {@link Downscale#SUBSAMPLE}), (b)
 * another model file (the bf16 export of the same weights), with the speed of each path (decode + preprocess by
 * picture size, and the model). Prints one line per image and a summary with the minimum and mean cosine.
 */
public final class EmbeddingFidelity {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int WARM_UP_IMAGES = 10;

    private final Map<String, String> environment;
    private final PrintStream out;

    public EmbeddingFidelity(Map<String, String> environment, PrintStream out) {
        this.environment = environment;
        this.out = out;
    }

    public int run(List<Path> inputs, List<Downscale> modes, Path otherModel, String otherModelName, int speedBatches)
            throws IOException {
        WorkerConfig config = WorkerConfig.from(new RawSettings(Map.of(), environment), WorkerConfig.Scope.MODEL_ONLY);
        WorkerConfig.ModelConfig m = config.model();
        DjlRuntime.configure(m.djlCacheDir(), m.torchThreads(), m.torchInteropThreads(), m.graphOptimizer());
        List<Path> files = files(inputs);
        DecodeLimits limits = new DecodeLimits(config.objects().maxImagePixels(), DecodeLimits.DEFAULT_MAX_SIDE);
        ImagePreprocessor exact = ImagePreprocessor.of(limits, Downscale.EXACT);
        List<ImagePreprocessor> fast = modes.stream().map(mode -> ImagePreprocessor.of(limits, mode)).toList();
        warmUp(files, exact, fast);

        // Decode every file every way first (timed), so the model comparison below runs on the exact tensors.
        List<Path> usable = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        List<float[]> exactTensors = new ArrayList<>();
        List<List<float[]>> fastTensors = new ArrayList<>();
        modes.forEach(mode -> fastTensors.add(new ArrayList<>()));
        long exactNanos = 0;
        long[] fastNanos = new long[modes.size()];
        SizeTable sizes = new SizeTable(modes);
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            try {
                long[] cpu = new long[modes.size() + 1];
                long t0 = System.nanoTime();
                long c0 = THREADS.getCurrentThreadCpuTime();
                float[] e = exact.preprocess(bytes);
                cpu[0] = THREADS.getCurrentThreadCpuTime() - c0;
                exactNanos += System.nanoTime() - t0;
                List<float[]> f = new ArrayList<>();
                for (int i = 0; i < modes.size(); i++) {
                    long t1 = System.nanoTime();
                    long c1 = THREADS.getCurrentThreadCpuTime();
                    f.add(fast.get(i).preprocess(bytes));
                    cpu[i + 1] = THREADS.getCurrentThreadCpuTime() - c1;
                    fastNanos[i] += System.nanoTime() - t1;
                }
                usable.add(file);
                kinds.add(kind(bytes));
                sizes.add(kinds.get(kinds.size() - 1), megapixels(bytes), cpu);
                exactTensors.add(e);
                for (int i = 0; i < modes.size(); i++) {
                    fastTensors.get(i).add(f.get(i));
                }
            } catch (Exception e) {
                out.println("skipped (not decodable, as expected for the bad-input fixtures): " + file + ": " + e.getMessage());
            }
        }
        if (usable.isEmpty()) {
            out.println("no decodable images");
            return 1;
        }
        sizes.print(out);

        try (ClipModel model = ClipModel.load(m.modelPath(), m.modelName(), m.dimension(), Optional.empty())) {
            List<float[]> reference = embedAll(model, exactTensors, m.batchMaxSize());
            for (int i = 0; i < modes.size(); i++) {
                List<float[]> vectors = embedAll(model, fastTensors.get(i), m.batchMaxSize());
                String mode = modes.get(i).name().toLowerCase(Locale.ROOT);
                Summary s = compare("IMAGE_DOWNSCALE=" + mode + " vs exact", usable, kinds, reference, vectors);
                out.printf(Locale.ROOT, "decode+preprocess (one thread): exact %.1f ms per image, %s %.1f ms per image (%.2fx faster)%n",
                        exactNanos / 1e6 / usable.size(), mode, fastNanos[i] / 1e6 / usable.size(),
                        (double) exactNanos / fastNanos[i]);
                s.print(out);
            }
            if (otherModel != null) {
                String name = otherModelName != null ? otherModelName : m.modelName();
                try (ClipModel other = ClipModel.load(otherModel, name, m.dimension(), Optional.empty())) {
                    List<float[]> otherVectors = embedAll(other, exactTensors, m.batchMaxSize());
                    Summary s = compare(otherModel + " vs " + m.modelPath(), usable, kinds, reference, otherVectors);
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

    /** The JIT compiles the decoders on the first images; time them once compiled, as in a running worker. */
    private static void warmUp(List<Path> files, ImagePreprocessor exact, List<ImagePreprocessor> fast) throws IOException {
        for (Path file : files.subList(0, Math.min(WARM_UP_IMAGES, files.size()))) {
            byte[] bytes = Files.readAllBytes(file);
            for (ImagePreprocessor p : Stream.concat(Stream.of(exact), fast.stream()).toList()) {
                try {
                    p.preprocess(bytes);
                } catch (Exception e) {
                    // a bad-input fixture: reported by the timed pass
                }
            }
        }
    }

    /** JPEG, PNG or other, from the first bytes: the two kinds the default path treats differently. */
    static String kind(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "JPEG";
        }
        if (b.length >= 4 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "PNG";
        }
        return "other";
    }

    /** Width x height from the header (ImageIO reads no pixels for it), in megapixels; 0 when unknown. */
    private static double megapixels(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return 0;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return reader.getWidth(0) * (double) reader.getHeight(0) / 1e6;
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Decode + preprocess CPU time of one thread per path, by kind (JPEG, PNG, other) and picture size: each image
     * counts towards the nearest of 1, 3, 6 and 12 megapixels (bounds at the geometric means between them); each
     * kind also gets a row for all its sizes.
     */
    private static final class SizeTable {
        private static final double[] SIZES = {1, 3, 6, 12};
        private static final List<String> KINDS = List.of("JPEG", "PNG", "other");
        private final List<Downscale> modes;
        // [kind][size bucket, or SIZES.length for all sizes]
        private final long[][][] cpu = new long[KINDS.size()][SIZES.length + 1][];
        private final int[][] count = new int[KINDS.size()][SIZES.length + 1];
        private final double[][] megapixels = new double[KINDS.size()][SIZES.length + 1];

        SizeTable(List<Downscale> modes) {
            this.modes = modes;
            for (long[][] kind : cpu) {
                for (int i = 0; i < kind.length; i++) {
                    kind[i] = new long[modes.size() + 1];
                }
            }
        }

        void add(String kind, double mp, long[] nanos) {
            int k = KINDS.indexOf(kind);
            int b = 0;
            while (b < SIZES.length - 1 && mp >= Math.sqrt(SIZES[b] * SIZES[b + 1])) {
                b++;
            }
            for (int bucket : new int[] {b, SIZES.length}) {
                count[k][bucket]++;
                megapixels[k][bucket] += mp;
                for (int i = 0; i < nanos.length; i++) {
                    cpu[k][bucket][i] += nanos[i];
                }
            }
        }

        void print(PrintStream out) {
            StringBuilder header = new StringBuilder(
                    "decode+preprocess, ms of CPU per image (one thread), by kind and size: kind  size  images  mean MP  exact");
            modes.forEach(m -> header.append("  ").append(m.name().toLowerCase(Locale.ROOT)));
            out.println(header);
            for (int k = 0; k < KINDS.size(); k++) {
                for (int b = 0; b <= SIZES.length; b++) {
                    if (count[k][b] == 0) {
                        continue;
                    }
                    String size = b == SIZES.length ? "   all" : String.format(Locale.ROOT, "~%2.0f MP", SIZES[b]);
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-5s  %s  %5d  %6.2f", KINDS.get(k),
                            size, count[k][b], megapixels[k][b] / count[k][b]));
                    for (long nanos : cpu[k][b]) {
                        row.append(String.format(Locale.ROOT, "  %6.1f", nanos / 1e6 / count[k][b]));
                    }
                    out.println(row);
                }
            }
        }
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

    private Summary compare(String what, List<Path> files, List<String> kinds, List<float[]> a, List<float[]> b) {
        out.println("== " + what);
        Map<String, double[]> byKind = new java.util.TreeMap<>(); // kind -> {count, min, sum}
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
            double[] k = byKind.computeIfAbsent(kinds.get(i), x -> new double[] {0, 1, 0});
            k[0]++;
            k[1] = Math.min(k[1], cosine);
            k[2] += cosine;
        }
        return new Summary(what, files.size(), min, sum / files.size(), worst, byKind);
    }

    private record Summary(String what, int images, double min, double mean, String worst, Map<String, double[]> byKind) {
        void print(PrintStream out) {
            out.printf(Locale.ROOT, "%s: %d images, min cosine %.6f (%s), mean %.6f%n", what, images, min, worst, mean);
            if (byKind.size() > 1) {
                byKind.forEach((kind, k) -> out.printf(Locale.ROOT, "  %s: %d images, min cosine %.6f, mean %.6f%n",
                        kind, (int) k[0], k[1], k[2] / k[0]));
            }
        }
    }
}

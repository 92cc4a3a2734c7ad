package io.cis.worker.cli;

import io.cis.worker.bench.BenchImageSet;
import io.cis.worker.bench.BenchRun;
import io.cis.worker.bench.EmbeddingFidelity;
import io.cis.worker.config.ConfigException;
import io.cis.worker.image.Downscale;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Throughput benchmark (scripts/bench.sh runs all of it): generate the image set, run the worker "
                + "against the local stack and measure it, or compare vectors of two decode paths / two models."},
        subcommands = {BenchCommand.Images.class, BenchCommand.Run.class, BenchCommand.Fidelity.class})
public final class BenchCommand {

    @Command(name = "images", mixinStandardHelpOptions = true,
            description = "Generate (once) the benchmark image sets from the shared photographs with Java ImageIO.")
    static final class Images implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        SetOptions set;

        @Option(names = "--shared-images", defaultValue = "../shared/images", paramLabel = "DIR",
                description = "The shared photographs (default: ${DEFAULT-VALUE}).")
        Path sharedImages;

        @Option(names = "--threads", defaultValue = "2", description = "Generator threads.")
        int threads;

        @Override
        public Integer call() throws Exception {
            long start = System.nanoTime();
            for (int[] spec : new int[][] {{set.count, 0}, {set.pacedCount, 1}}) {
                if (spec[0] <= 0) {
                    continue;
                }
                BenchImageSet images = BenchImageSet.loadOrGenerate(set.cacheDir, sharedImages, spec[0], set.seed + spec[1],
                        threads, System.out);
                System.out.printf(Locale.ROOT, "%s: %d images, mean %.2f MP, %.0f MB%n", images.dir(),
                        images.images().size(), images.meanMegapixels(), images.totalBytes() / 1e6);
            }
            System.out.printf(Locale.ROOT, "image sets ready in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    /** Options shared by the subcommands that use the generated image sets. */
    static final class SetOptions {
        @Option(names = "--cache-dir", defaultValue = ".local/bench", paramLabel = "DIR",
                description = "Where generated image sets are kept (default: ${DEFAULT-VALUE}).")
        Path cacheDir;

        @Option(names = "--count", defaultValue = "500", description = "Images in the main set (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--paced-count", defaultValue = "200",
                description = "Images in the separate light-load set (default: ${DEFAULT-VALUE}; 0 = no paced pass).")
        int pacedCount;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the main set; the paced set uses seed + 1.")
        long seed;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run the worker in this JVM against the local stack (settings from the environment, as the "
                    + "daemon reads them) on a fresh queue, cache table and index, and print: the model-only ceiling, "
                    + "end-to-end images/s cache-cold, the ratio, latency, CPU per stage, peak RSS, batch sizes, the "
                    + "cache-warm pass and the light-load latency."})
    static final class Run implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        SetOptions set;

        @Option(names = "--limit", defaultValue = "0",
                description = "Use only the first N images of the main set (quick runs, e.g. comparing settings).")
        int limit;

        @Option(names = "--paced-rate", defaultValue = "10", description = "Images/s offered in the paced pass (default: ${DEFAULT-VALUE}).")
        double pacedRate;

        @Option(names = "--ceiling-seconds", defaultValue = "20", description = "Measured window of the ceiling (default: ${DEFAULT-VALUE}).")
        int ceilingSeconds;

        @Option(names = "--ceiling-warmup-batches", defaultValue = "3")
        int ceilingWarmupBatches;

        @Option(names = "--phases", defaultValue = "ceiling,paced,cold,warm", split = ",",
                description = "Which parts to run (default: ${DEFAULT-VALUE}).")
        List<String> phases;

        @Option(names = "--phase-timeout-seconds", defaultValue = "1800")
        int phaseTimeoutSeconds;

        @Option(names = "--bucket", defaultValue = "${env:S3_BUCKET:-cis-images}", description = "Bucket the images are uploaded to (default: $S3_BUCKET).")
        String bucket;

        @Option(names = "--readme", paramLabel = "FILE", description = "Put this run's row into the results table of this README.")
        Path readme;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
        Path json;

        @Option(names = "--profile", paramLabel = "FILE",
                description = "Profile the cold pass with async-profiler (Java and native frames, every thread): print "
                        + "where its CPU went and write an HTML flame graph to FILE.")
        Path profile;

        @Override
        public Integer call() throws Exception {
            Set<String> wanted = new LinkedHashSet<>(phases);
            wanted.remove(""); // --phases '': upload the set and write the JSON only (bench.sh's Python legs alone)
            for (String phase : wanted) {
                if (!Set.of("ceiling", "paced", "cold", "warm").contains(phase)) {
                    System.err.println("bench run: unknown phase " + phase);
                    return 2;
                }
            }
            try {
                return new BenchRun(new BenchRun.Options(set.cacheDir, set.count, limit, set.pacedCount, set.seed, pacedRate,
                        Duration.ofSeconds(ceilingSeconds), ceilingWarmupBatches, wanted,
                        Duration.ofSeconds(phaseTimeoutSeconds), bucket, readme, json, profile), System.getenv(), System.out).run();
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "fidelity", mixinStandardHelpOptions = true,
            description = {"Cosine similarity of vectors from two paths over image files: exact decode vs JPEG decode "
                    + "with a fast IMAGE_DOWNSCALE mode (--downscale), and/or MODEL_PATH vs another model (--other-model, e.g. the "
                    + "bf16 export), with the time per image of each. Uses MODEL_PATH/MODEL_NAME from the environment."})
    static final class Fidelity implements Callable<Integer> {
        @Option(names = "--downscale", split = ",", paramLabel = "MODE",
                description = "Compare exact decoding with these IMAGE_DOWNSCALE modes: dct, reduce, subsample.")
        List<String> downscale = new ArrayList<>();

        @Option(names = "--other-model", paramLabel = "PATH", description = "Compare MODEL_PATH's vectors with this model's.")
        Path otherModel;

        @Option(names = "--other-model-name", paramLabel = "NAME", description = "MODEL_NAME of --other-model (default: MODEL_NAME).")
        String otherModelName;

        @Option(names = "--speed-batches", defaultValue = "20",
                description = "Batches timed per model for the throughput comparison (default: ${DEFAULT-VALUE}).")
        int speedBatches;

        @Parameters(arity = "1..*", paramLabel = "FILE_OR_DIR")
        List<Path> inputs;

        @Override
        public Integer call() throws Exception {
            if (downscale.isEmpty() && otherModel == null) {
                System.err.println("bench fidelity: give --downscale and/or --other-model");
                return 2;
            }
            return new EmbeddingFidelity(System.getenv(), System.out).run(inputs,
                    downscale.stream().map(m -> Downscale.valueOf(m.toUpperCase(Locale.ROOT))).toList(), otherModel, otherModelName,
                    speedBatches);
        }
    }
}

package io.cis.worker.bench;

import io.cis.worker.embed.ClipModel;
import io.cis.worker.embed.CpuFeatures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/** The benchmark's printed report, its JSON form, and the README results table it keeps up to date. */
final class BenchReport {

    static final String TABLE_BEGIN = "<!-- bench:results:begin -->";
    static final String TABLE_END = "<!-- bench:results:end -->";
    static final String TABLE_HEADER = "| machine | model | batch | threads (inference x torch / decode) | image downscale | ceiling img/s "
            + "| end-to-end img/s | ratio | cache-hit img/s | peak RSS | p95 at 10 img/s | date |";
    static final String TABLE_RULE = "|---|---|---|---|---|---|---|---|---|---|---|---|";

    // Targets for this 2-core machine with the full-size model and default settings (throughput issues 8 and 13):
    // >= 30 images/s is also >= 10x the seed design's 2.5-2.9 on the same set.
    static final double TARGET_IMAGES_PER_SECOND = 30;
    static final double TARGET_WARM_IMAGES_PER_SECOND = 500;
    static final long TARGET_PEAK_RSS_BYTES = 1536L * 1024 * 1024;
    static final long TARGET_P95_MILLIS = 2000;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchReport() {
    }

    static String ceilingLine(CeilingBenchmark.Result c, double cpuSecondsPerImage) {
        return String.format(Locale.ROOT, "ceiling: %.1f images/s (%d predictor(s) x batch %d, %.0f ms per batch, "
                        + "%.3f CPU-s per image, %d images in %.1f s)", c.imagesPerSecond(), c.threads(), c.batchSize(),
                c.millisPerBatch(), cpuSecondsPerImage, c.images(), c.seconds());
    }

    static String phaseLine(PhaseResult p) {
        return String.format(Locale.ROOT, "%s: %.1f images/s, %d/%d indexed (%d cache hits, %d without download) in %.1f s; "
                        + "enqueue->indexed p50 %d ms, p95 %d ms, max %d ms", p.name(), p.imagesPerSecond(), p.indexed(),
                p.offered(), p.cacheHits(), p.hitsWithoutDownload(), p.seconds(), p.latencyPercentile(50), p.latencyPercentile(95), p.latencyPercentile(100));
    }

    static void print(BenchRun.RunReport r, PrintStream out) {
        Machine machine = Machine.describe();
        Model model = Model.describe(r.modelFile());
        var m = r.config.model();
        out.println();
        out.println("== cis-worker benchmark ==");
        out.printf(Locale.ROOT, "machine:   %s; load average at the end %s%n", machine.label(), machine.loadAverage());
        out.printf(Locale.ROOT, "model:     %s (%s, %s), started in %.1f s%n", m.modelName(), model.dtype(),
                mb(model.bytes()), r.modelLoadSeconds);
        out.printf(Locale.ROOT, "settings:  %s%n", settingsLine(r));
        BenchImageSet set = r.set;
        long pngs = set.images().stream().filter(i -> i.file().endsWith(".png")).count();
        out.printf(Locale.ROOT, "image set: %d images (%d JPEG, %d PNG), %.1f-%.1f MP, mean %.2f MP, %s in total (%s)%n",
                set.images().size(), set.images().size() - pngs, pngs,
                set.images().stream().mapToDouble(BenchImageSet.Image::megapixels).min().orElse(0),
                set.images().stream().mapToDouble(BenchImageSet.Image::megapixels).max().orElse(0),
                set.meanMegapixels(), mb(set.totalBytes()), set.dir());
        out.println();

        CeilingBenchmark.Result c = r.ceiling;
        PhaseResult cold = r.phase("cold");
        PhaseResult warm = r.phase("warm");
        PhaseResult paced = r.phase("paced");
        if (c != null) {
            out.printf(Locale.ROOT, "(a) model-only ceiling:      %6.1f images/s  (%d predictor(s) x batch %d, %.0f ms per batch, %.3f CPU-s per image)%n",
                    c.imagesPerSecond(), c.threads(), c.batchSize(), c.millisPerBatch(), r.ceilingCpuSecondsPerImage);
        }
        if (cold != null) {
            out.printf(Locale.ROOT, "(b) end-to-end, cache cold:  %6.1f images/s  (%d/%d indexed in %.1f s, enqueue to last indexed)%n",
                    cold.imagesPerSecond(), cold.indexed(), cold.offered(), cold.seconds());
            if (c != null) {
                out.printf(Locale.ROOT, "(c) ratio:                   %6.0f %%%n", 100 * cold.imagesPerSecond() / c.imagesPerSecond());
            }
            phaseDetails(cold, out);
            if (r.coldProfile != null) {
                profileDetails(r.coldProfile, cold, out);
            }
        }
        if (warm != null) {
            out.printf(Locale.ROOT, "warm, every image a cache hit: %.1f images/s (%d/%d hits, %.1f s)%s%n",
                    warm.imagesPerSecond(), warm.cacheHits(), warm.indexed(), warm.seconds(),
                    cold != null && cold.imagesPerSecond() > 0
                            ? String.format(Locale.ROOT, "; %.1fx the cold pass", warm.imagesPerSecond() / cold.imagesPerSecond()) : "");
            phaseDetails(warm, out);
        }
        if (paced != null) {
            out.printf(Locale.ROOT, "light load, %.0f images/s offered: %d/%d indexed at %.1f images/s%n",
                    paced.offeredRate(), paced.indexed(), paced.offered(), paced.imagesPerSecond());
            phaseDetails(paced, out);
        }
        out.printf(Locale.ROOT, "memory: peak RSS (VmHWM) %s, after start-up %s, at the end %s; heap max %s%n",
                mb(r.peakRssBytes), mb(r.rssAfterStartBytes), mb(r.finalRssBytes), mb(Runtime.getRuntime().maxMemory()));
        out.println();
        out.println("targets (this machine, full-size model):");
        if (cold != null) {
            target(out, "end-to-end >= 30 images/s", String.format(Locale.ROOT, "%.1f images/s", cold.imagesPerSecond()),
                    cold.imagesPerSecond() >= TARGET_IMAGES_PER_SECOND);
        }
        if (warm != null) {
            target(out, "cache-warm >= 500 images/s", String.format(Locale.ROOT, "%.1f images/s", warm.imagesPerSecond()),
                    warm.imagesPerSecond() >= TARGET_WARM_IMAGES_PER_SECOND);
        }
        target(out, "peak RSS <= 1.5 GB", mb(r.peakRssBytes), r.peakRssBytes <= TARGET_PEAK_RSS_BYTES);
        if (paced != null) {
            target(out, "p95 enqueue->indexed < 2 s at light load",
                    String.format(Locale.ROOT, "%d ms at %.0f images/s", paced.latencyPercentile(95), paced.offeredRate()),
                    paced.latencyPercentile(95) >= 0 && paced.latencyPercentile(95) < TARGET_P95_MILLIS);
        }
    }

    private static void phaseDetails(PhaseResult p, PrintStream out) {
        out.printf(Locale.ROOT, "    latency enqueue->indexed (SentTimestamp to outcome, every image): p50 %d ms, p95 %d ms, max %d ms;"
                        + " metric cis.latency.enqueue.to.indexed p50 %.0f ms, p95 %.0f ms%n",
                p.latencyPercentile(50), p.latencyPercentile(95), p.latencyPercentile(100), p.metricP50Millis(), p.metricP95Millis());
        int n = Math.max(1, p.indexed());
        StringJoiner cpu = new StringJoiner(", ");
        p.stageCpuSeconds().forEach((stage, s) -> cpu.add(String.format(Locale.ROOT, "%s %.1f", stage, 1000 * s / n)));
        out.printf(Locale.ROOT, "    CPU ms per image by stage (thread CPU time): %s; worker JVM total %.1f; whole machine busy %.1f (%.0f%% of %d cores)%n",
                cpu, 1000 * p.totalStageCpuSeconds() / n, 1000 * p.machineBusySeconds() / n,
                p.seconds() > 0 ? 100 * p.machineBusySeconds() / (p.seconds() * Runtime.getRuntime().availableProcessors()) : 0,
                Runtime.getRuntime().availableProcessors());
        StringJoiner wall = new StringJoiner(", ");
        p.stageWallSeconds().forEach((stage, s) -> wall.add(String.format(Locale.ROOT, "%s %.1f", stage, 1000 * s / n)));
        out.printf(Locale.ROOT, "    wall ms per image by stage (cis.stage.time; inference and index per batch, shared by its images): %s%n", wall);
        StringJoiner batches = new StringJoiner(", ");
        p.batchSizes().forEach((bucket, count) -> {
            if (count > 0) {
                batches.add(bucket + ": " + count);
            }
        });
        out.printf(Locale.ROOT, "    inference batch sizes (cis.inference.batch.size): %s; mean %.2f%n",
                batches.length() == 0 ? "none" : batches, p.meanBatchSize());
        for (String failure : p.failureExamples()) {
            out.println("    not indexed: " + failure);
        }
    }

    /**
     * The profile splits each stage's thread CPU time by what its samples ran: the sampler can miss native threads
     * (libtorch's OpenMP workers), while the per-thread accounting misses nothing, so the time comes from the latter
     * and only the proportions from the samples.
     */
    private static void profileDetails(BenchRun.ColdProfile profile, PhaseResult cold, PrintStream out) {
        CpuProfiler.Samples samples = profile.samples();
        ProfileBreakdown breakdown = profile.breakdown();
        out.printf(Locale.ROOT, "    profile (async-profiler, a sample per %d ms of CPU, %d samples; flame graph %s): "
                        + "each stage's CPU ms per image split by what its threads ran:%n",
                samples.interval().toMillis(), breakdown.totalSamples(), samples.flameGraph());
        for (Map.Entry<String, Double> part : profileMillisPerImage(breakdown, cold).entrySet()) {
            out.printf(Locale.ROOT, "      %-64s %6.1f%n", part.getKey(), part.getValue());
        }
        StringJoiner leaves = new StringJoiner(", ");
        breakdown.topLeaves(8).forEach(leaf -> leaves.add(String.format(Locale.ROOT, "%s %.1f%%", leaf.getKey(),
                100 * breakdown.share(leaf.getValue()))));
        out.printf(Locale.ROOT, "    hottest frames (share of samples, self time): %s%n", leaves);
    }

    /** Each part's CPU ms per image: its stage's thread CPU time times the part's share of the stage's samples. */
    static Map<String, Double> profileMillisPerImage(ProfileBreakdown breakdown, PhaseResult cold) {
        Map<String, Long> stageSamples = new HashMap<>();
        breakdown.parts().forEach(part -> stageSamples.merge(part.stage(), part.samples(), Long::sum));
        Map<String, Double> millis = new LinkedHashMap<>();
        int n = Math.max(1, cold.indexed());
        for (ProfileBreakdown.Part part : breakdown.parts()) {
            double stageMillis = 1000 * cold.stageCpuSeconds().getOrDefault(part.stage(), 0.0) / n;
            millis.put(part.label(), stageMillis * part.samples() / stageSamples.get(part.stage()));
        }
        return millis;
    }

    private static void target(PrintStream out, String what, String value, boolean met) {
        out.printf(Locale.ROOT, "  %-45s %-28s %s%n", what, value, met ? "MET" : "NOT MET");
    }

    private static String settingsLine(BenchRun.RunReport r) {
        var m = r.config.model();
        return String.format(Locale.ROOT, "BATCH_MAX_SIZE=%d BATCH_MAX_WAIT_MS=%d INFERENCE_THREADS=%d TORCH_NUM_THREADS=%d "
                        + "TORCH_NUM_INTEROP_THREADS=%d DECODE_THREADS=%d WORK_QUEUE_CAPACITY=%d MAX_IN_FLIGHT_MESSAGES=%d %s",
                m.batchMaxSize(), m.batchMaxWait().toMillis(), m.inferenceThreads(), m.torchThreads(),
                m.torchInteropThreads(), m.decodeThreads(), m.workQueueCapacity(), r.config.queue().maxInFlightMessages(),
                extraSettings(r.settings));
    }

    /** Settings outside the catalog's model group that change speed, when set. */
    private static String extraSettings(Map<String, String> settings) {
        StringJoiner extra = new StringJoiner(" ");
        for (String name : List.of("IMAGE_DOWNSCALE", "MODEL_PRECISION", "DEVICE", "OMP_WAIT_POLICY")) {
            String value = settings.get(name);
            if (value != null && !value.isBlank()) {
                extra.add(name + "=" + value);
            }
        }
        return extra.toString();
    }

    /**
     * The README row for this run:
     * | machine | model | batch | threads | downscale | ceiling | e2e | ratio | hit | RSS | p95 | date |.
     */
    static String tableRow(BenchRun.RunReport r) {
        Machine machine = Machine.describe();
        Model model = Model.describe(r.modelFile());
        var m = r.config.model();
        PhaseResult cold = r.phase("cold");
        PhaseResult warm = r.phase("warm");
        PhaseResult paced = r.phase("paced");
        String ceiling = r.ceiling == null ? "-" : String.format(Locale.ROOT, "%.1f", r.ceiling.imagesPerSecond());
        String e2e = cold == null ? "-" : String.format(Locale.ROOT, "%.1f", cold.imagesPerSecond());
        String ratio = r.ceiling == null || cold == null ? "-"
                : String.format(Locale.ROOT, "%.0f%%", 100 * cold.imagesPerSecond() / r.ceiling.imagesPerSecond());
        String hit = warm == null ? "-" : String.format(Locale.ROOT, "%.1f", warm.imagesPerSecond());
        String p95 = paced == null ? "-" : String.format(Locale.ROOT, "%d ms", paced.latencyPercentile(95));
        return String.join(" | ", "| " + machine.label(),
                m.modelName() + " (" + model.dtype() + ")",
                Integer.toString(m.batchMaxSize()),
                m.inferenceThreads() + " x " + m.torchThreads() + " / " + m.decodeThreads(),
                r.config.objects().downscale().name().toLowerCase(Locale.ROOT),
                ceiling, e2e, ratio, hit, mb(r.peakRssBytes), p95, LocalDate.now() + " |");
    }

    /**
     * Puts this run's row into the table between the README's bench markers, replacing the row of the same
     * machine, model, batch size, threads and image downscale mode (so the table keeps one row per configuration
     * measured).
     */
    static void updateReadme(Path readme, BenchRun.RunReport r) throws IOException {
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        Files.writeString(readme, withRow(text, tableRow(r)), StandardCharsets.UTF_8);
    }

    static String withRow(String readme, String row) {
        int begin = readme.indexOf(TABLE_BEGIN);
        int end = readme.indexOf(TABLE_END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("README has no " + TABLE_BEGIN + " ... " + TABLE_END + " markers");
        }
        String body = readme.substring(begin + TABLE_BEGIN.length(), end);
        List<String> rows = new ArrayList<>();
        for (String line : body.split("\n")) {
            String t = line.strip();
            if (t.startsWith("|") && !t.equals(TABLE_HEADER) && !t.startsWith("|---")) {
                rows.add(t);
            }
        }
        String key = rowKey(row);
        rows.removeIf(existing -> rowKey(existing).equals(key));
        rows.add(row);
        StringBuilder table = new StringBuilder("\n").append(TABLE_HEADER).append('\n').append(TABLE_RULE).append('\n');
        rows.forEach(line -> table.append(line).append('\n'));
        return readme.substring(0, begin + TABLE_BEGIN.length()) + table + readme.substring(end);
    }

    /** Machine, model, batch, threads and image downscale mode: the first five cells. */
    static String rowKey(String row) {
        String[] cells = row.split("\\|");
        StringJoiner key = new StringJoiner("|");
        for (int i = 1; i <= 5 && i < cells.length; i++) {
            key.add(cells[i].strip());
        }
        return key.toString();
    }

    static String json(BenchRun.RunReport r) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("machine", Machine.describe().label());
        root.put("model", r.config.model().modelName());
        root.put("dtype", Model.describe(r.modelFile()).dtype());
        root.put("settings", settingsLine(r));
        root.put("images", r.set.images().size());
        root.put("mean_megapixels", r.set.meanMegapixels());
        // What scripts/bench.sh's Python legs need to run on the same objects with the same model file.
        root.put("model_file", r.modelFile().toString());
        root.put("bucket", r.bucket);
        r.keys.forEach(root.withArray("keys")::add);
        if (r.ceiling != null) {
            root.set("ceiling", JSON.valueToTree(r.ceiling));
            root.put("ceiling_cpu_seconds_per_image", r.ceilingCpuSecondsPerImage);
        }
        for (PhaseResult p : r.phases) {
            ObjectNode phase = root.putObject(p.name());
            phase.put("images_per_second", p.imagesPerSecond());
            phase.put("indexed", p.indexed());
            phase.put("offered", p.offered());
            phase.put("cache_hits", p.cacheHits());
            phase.put("cache_hits_without_download", p.hitsWithoutDownload());
            phase.put("seconds", p.seconds());
            phase.put("p50_ms", p.latencyPercentile(50));
            phase.put("p95_ms", p.latencyPercentile(95));
            phase.put("max_ms", p.latencyPercentile(100));
            phase.set("stage_cpu_seconds", JSON.valueToTree(p.stageCpuSeconds()));
            phase.set("stage_wall_seconds", JSON.valueToTree(p.stageWallSeconds()));
            phase.put("machine_busy_seconds", p.machineBusySeconds());
            phase.set("batch_sizes", JSON.valueToTree(p.batchSizes()));
            phase.put("mean_batch_size", p.meanBatchSize());
        }
        if (r.coldProfile != null && r.phase("cold") != null) {
            ObjectNode profile = root.putObject("cold_profile");
            profile.put("interval_ms", r.coldProfile.samples().interval().toMillis());
            profile.put("flame_graph", r.coldProfile.samples().flameGraph().toString());
            ObjectNode parts = profile.putObject("cpu_ms_per_image");
            profileMillisPerImage(r.coldProfile.breakdown(), r.phase("cold")).forEach(parts::put);
        }
        root.put("peak_rss_bytes", r.peakRssBytes);
        root.put("model_load_seconds", r.modelLoadSeconds);
        return JSON.writeValueAsString(root);
    }

    static String mb(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MB", bytes / (double) (1L << 20));
    }

    /** The CPU as /proc/cpuinfo names it, with the vector units that matter for inference. */
    record Machine(String label, String loadAverage) {
        static Machine describe() {
            String model = "unknown CPU";
            Set<String> flags = CpuFeatures.flags();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name") && model.equals("unknown CPU")) {
                        model = line.substring(line.indexOf(':') + 1).strip();
                    }
                }
            } catch (IOException e) {
                // not Linux
            }
            StringJoiner features = new StringJoiner(", ");
            if (flags.contains("avx512f")) {
                features.add("AVX-512");
            }
            if (flags.contains(CpuFeatures.AMX_BF16)) {
                features.add("AMX");
            }
            String label = Runtime.getRuntime().availableProcessors() + " cores " + model.replace("(R)", "")
                    + (features.length() > 0 ? " (" + features + ")" : "");
            String load = "?";
            try {
                String[] avg = Files.readString(Path.of("/proc/loadavg")).split(" ");
                load = avg[0] + " " + avg[1] + " " + avg[2];
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            return new Machine(label, load);
        }
    }

    /** The model file's size and the dtype its model.json records. */
    record Model(String dtype, long bytes) {
        static Model describe(Path modelPath) {
            String dtype = "dtype unknown";
            try {
                dtype = ClipModel.recordedDtype(modelPath).orElse(dtype);
            } catch (RuntimeException e) {
                // an unreadable json: reported as unknown
            }
            long bytes = -1;
            try {
                bytes = Files.size(modelPath);
            } catch (IOException e) {
                // reported as unknown
            }
            return new Model(dtype, bytes);
        }
    }
}

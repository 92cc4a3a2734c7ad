package io.cis.worker.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the sampled CPU went, in the report's own terms: the pipeline stage of the thread (as {@link StageCpu} groups
 * threads), split inside the stages that do several things by the frame the work ran under: the JPEG, PNG and other
 * decoders, the resize and the checks in decode+preprocess; the MD5 in fetch; JIT compilers apart from GC.
 */
final class ProfileBreakdown {

    /** Inside one stage: the part a stack belongs to, by the first rule (in order) one of whose frames it contains. */
    private record Rule(String stage, String part, List<String> frames) {
    }

    private static final String DECODE = "decode+preprocess";

    private static final List<Rule> RULES = List.of(
            new Rule(DECODE, "JPEG decode (libjpeg-turbo)", List.of("ScaledJpegDecoder.decode")),
            new Rule(DECODE, "PNG decode (zlib, row filters)",
                    List.of("NativePngDecoder.decode", "StreamingPngDecoder.decode")),
            new Rule(DECODE, "TIFF decode (strips)", List.of("StreamingTiffDecoder.decode")),
            new Rule(DECODE, "WebP decode", List.of("WebpLossy.", "Vp8Decoder.")),
            new Rule(DECODE, "ImageIO decode (exact JPEG, TIFF, GIF, BMP, other PNG)",
                    List.of("javax/imageio/", "com/twelvemonkeys/", "com/sun/imageio/")),
            new Rule(DECODE, "resize (block average, bicubic)", List.of("Resampler.", "BoxReducer.")),
            new Rule(DECODE, "tensor (normalise, CHW)", List.of("ClipPreprocessor.toTensor")),
            new Rule(DECODE, "checks (format, structure, orientation)",
                    List.of("JpegStructure.", "OrientationReader.", "ImageFormat.", "JpegHeader.", "PngHeader.")),
            new Rule("fetch", "MD5 of the bytes", List.of("MD5.", "MessageDigest.")),
            new Rule("jvm (gc, jit)", "JIT compilers", List.of("[C1 ", "[C2 ")),
            new Rule("jvm (gc, jit)", "GC and VM threads", List.of("[GC ", "[G1 ", "[VM ", "[Sweeper")));

    /** One line of the breakdown: CPU samples of a stage, or of a part of it. */
    record Part(String stage, String part, long samples) {
        String label() {
            return part.isEmpty() ? stage : stage + ": " + part;
        }
    }

    private final List<Part> parts;
    private final Map<String, Long> leaves;
    private final long total;

    private ProfileBreakdown(List<Part> parts, Map<String, Long> leaves, long total) {
        this.parts = parts;
        this.leaves = leaves;
        this.total = total;
    }

    /** Reads async-profiler's collapsed stacks, each line "[thread tid=N];frame;...;leaf count" (root first). */
    static ProfileBreakdown of(String collapsed) {
        Map<String, Map<String, Long>> byStage = new LinkedHashMap<>();
        StageCpu.STAGES.keySet().forEach(stage -> byStage.put(stage, new LinkedHashMap<>()));
        byStage.put(StageCpu.OTHER, new LinkedHashMap<>());
        Map<String, Long> leaves = new LinkedHashMap<>();
        long total = 0;
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space <= 0 || !line.startsWith("[")) {
                continue;
            }
            long samples = Long.parseLong(line.substring(space + 1).trim());
            String stack = line.substring(0, space);
            String stage = StageCpu.stageOf(threadName(stack));
            byStage.get(stage).merge(partOf(stage, stack), samples, Long::sum);
            leaves.merge(leafOf(stack), samples, Long::sum);
            total += samples;
        }
        List<Part> parts = new ArrayList<>();
        byStage.forEach((stage, split) -> split.forEach((part, samples) -> parts.add(new Part(stage, part, samples))));
        parts.sort(Comparator.comparingLong(Part::samples).reversed());
        return new ProfileBreakdown(parts, leaves, total);
    }

    /** "[decode-1 tid=28455];..." -> "decode-1". */
    private static String threadName(String stack) {
        int end = stack.indexOf(" tid=");
        int close = stack.indexOf(']');
        return stack.substring(1, end > 0 && end < close ? end : close);
    }

    private static String partOf(String stage, String stack) {
        for (Rule rule : RULES) {
            if (rule.stage().equals(stage) && rule.frames().stream().anyMatch(stack::contains)) {
                return rule.part();
            }
        }
        return RULES.stream().anyMatch(rule -> rule.stage().equals(stage)) ? "the rest" : "";
    }

    /** The sampled frame itself, a native library's file name where its symbols are stripped. */
    private static String leafOf(String stack) {
        String leaf = stack.substring(stack.lastIndexOf(';') + 1);
        int slash = leaf.lastIndexOf('/');
        return leaf.startsWith("/") && slash >= 0 ? leaf.substring(slash + 1) : leaf;
    }

    /** Stages and their parts, the largest first. */
    List<Part> parts() {
        return parts;
    }

    /** The {@code n} frames that were running most often (self time), the largest first. */
    List<Map.Entry<String, Long>> topLeaves(int n) {
        return leaves.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n).toList();
    }

    long totalSamples() {
        return total;
    }

    double share(long samples) {
        return total == 0 ? 0 : (double) samples / total;
    }
}

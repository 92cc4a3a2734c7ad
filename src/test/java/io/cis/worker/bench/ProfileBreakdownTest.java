package io.cis.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProfileBreakdownTest {

    private static final String DECODE = "[decode-0 tid=11];java/lang/Thread.run;io/cis/worker/pipeline/Pipeline.decodeStage;"
            + "io/cis/worker/image/ImagePreprocessor.preprocess;";

    @Test
    void samplesAreSplitByTheThreadsStageAndInsideItByTheWorkTheyRanUnder() {
        String collapsed = String.join("\n",
                DECODE + "io/cis/worker/image/ScaledJpegDecoder.decode;io/cis/worker/image/OpenCvNatives.imdecode;"
                        + "/root/.javacpp/cache/x/libopencv_imgcodecs.so.413 30",
                DECODE + "io/cis/worker/image/NativePngDecoder.decode;/root/.javacpp/cache/x/libopencv_imgcodecs.so.413 20",
                DECODE + "io/cis/worker/image/ClipPreprocessor.resizeAndCrop;io/cis/worker/image/ColumnsFirstResampler.verticalPass 10",
                DECODE + "io/cis/worker/image/ClipPreprocessor.toTensor 2",
                DECODE + "java/util/Arrays.fill 3",
                "[decode-1 tid=12];java/lang/Thread.run;io/cis/worker/image/JpegStructure.nextFf 1",
                "[inference-0 tid=13];java/lang/Thread.run;ai/djl/pytorch/jni/PyTorchLibrary.moduleRunMethod;libtorch_cpu.so 100",
                "[fetch-3 tid=14];java/lang/Thread.run;sun/security/provider/MD5.implCompress0 4",
                "[fetch-3 tid=14];java/lang/Thread.run;software/amazon/awssdk/core/Foo.read 6",
                "[C2 CompilerThre tid=15];Compile::Compile 7",
                "[G1 Conc#0 tid=16];G1ConcurrentMark::work 2",
                "[pool-4-thread-1 tid=17];java/lang/Thread.run 5",
                "");

        ProfileBreakdown breakdown = ProfileBreakdown.of(collapsed);

        Map<String, Long> parts = new LinkedHashMap<>();
        breakdown.parts().forEach(part -> parts.put(part.label(), part.samples()));
        assertEquals(Map.ofEntries(
                Map.entry("inference", 100L),
                Map.entry("decode+preprocess: JPEG decode (libjpeg-turbo)", 30L),
                Map.entry("decode+preprocess: PNG decode (zlib, row filters)", 20L),
                Map.entry("decode+preprocess: resize (block average, bicubic)", 10L),
                Map.entry("decode+preprocess: tensor (normalise, CHW)", 2L),
                Map.entry("decode+preprocess: checks (format, structure, orientation)", 1L),
                Map.entry("decode+preprocess: the rest", 3L),
                Map.entry("fetch: MD5 of the bytes", 4L),
                Map.entry("fetch: the rest", 6L),
                Map.entry("jvm (gc, jit): JIT compilers", 7L),
                Map.entry("jvm (gc, jit): GC and VM threads", 2L),
                Map.entry("other", 5L)), parts);
        assertEquals(List.of("inference", "decode+preprocess: JPEG decode (libjpeg-turbo)"),
                breakdown.parts().stream().limit(2).map(ProfileBreakdown.Part::label).toList(), "largest first");
        assertEquals(190, breakdown.totalSamples());
        assertEquals(100.0 / 190, breakdown.share(100), 1e-12);
        assertEquals(List.of(Map.entry("libtorch_cpu.so", 100L), Map.entry("libopencv_imgcodecs.so.413", 50L)),
                breakdown.topLeaves(2), "a stripped native library is named by its file");
    }

    @Test
    void anEmptyProfileHasNoParts() {
        ProfileBreakdown breakdown = ProfileBreakdown.of("");
        assertEquals(List.of(), breakdown.parts());
        assertEquals(0, breakdown.share(0));
    }
}

package io.cis.worker.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuProfilerTest {

    @TempDir
    Path dir;

    @Test
    void aBusyThreadShowsUpUnderItsNameWithItsOwnFramesAndAFlameGraphIsWritten() throws Exception {
        CpuProfiler profiler = CpuProfiler.start(Duration.ofMillis(1));
        Thread busy = new Thread(() -> spin(400), "decode-0");
        busy.start();
        busy.join();
        CpuProfiler.Samples samples = profiler.stop(dir.resolve("flame.html"));

        ProfileBreakdown breakdown = ProfileBreakdown.of(samples.collapsed());
        long spinSamples = samples.collapsed().lines()
                .filter(line -> line.startsWith("[decode-0 ") && line.contains("CpuProfilerTest.spin"))
                .mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).sum();
        // 400 ms of CPU at one sample per ms; well under that still shows the sampling works on this kernel.
        assertTrue(spinSamples >= 100, "samples of the busy thread: " + spinSamples + "\n" + samples.collapsed());
        assertTrue(breakdown.parts().stream().anyMatch(p -> p.stage().equals("decode+preprocess") && p.samples() >= spinSamples));
        String html = Files.readString(samples.flameGraph());
        // The page stores frame names prefix-compressed, so only the method's own name is sure to appear whole.
        assertTrue(html.contains("<html") && html.contains("spin"), "flame graph: " + html.length() + " chars");
    }

    private static double spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        double x = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x += Math.sqrt(i + x);
            }
        }
        return x;
    }
}

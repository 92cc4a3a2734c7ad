package io.cis.worker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * Samples what every thread of this JVM is running, with async-profiler: Java frames and native ones alike, so the
 * time inside libjpeg-turbo, libpng, zlib and libtorch shows up too (JDK Flight Recorder stops at the JNI call).
 * The agent comes from the async-profiler jar on the class path and is loaded on the first start.
 */
final class CpuProfiler {

    private final AsyncProfiler profiler;
    private final Duration interval;

    private CpuProfiler(AsyncProfiler profiler, Duration interval) {
        this.profiler = profiler;
        this.interval = interval;
    }

    /**
     * Starts sampling CPU time (perf events where the kernel allows them, else a CPU timer) every {@code interval}
     * of CPU, per thread.
     */
    static CpuProfiler start(Duration interval) throws IOException {
        AsyncProfiler profiler;
        try {
            profiler = AsyncProfiler.getInstance();
        } catch (RuntimeException | LinkageError e) {
            throw new IOException("async-profiler could not be loaded on this platform: " + e.getMessage(), e);
        }
        profiler.execute("start,event=cpu,interval=" + interval.toNanos() + ",threads");
        return new CpuProfiler(profiler, interval);
    }

    /** Stops sampling, writes an HTML flame graph to {@code flameGraph} and returns the samples. */
    Samples stop(Path flameGraph) throws IOException {
        profiler.stop();
        Path parent = flameGraph.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        profiler.execute("flamegraph,file=" + flameGraph.toAbsolutePath());
        return new Samples(profiler.dumpCollapsed(Counter.SAMPLES), interval, flameGraph);
    }

    /**
     * What was sampled.
     *
     * @param collapsed  one line per distinct stack: "[thread tid=N];frame;...;leaf count", root first
     * @param interval   the CPU time one sample stands for
     * @param flameGraph the HTML flame graph written beside
     */
    record Samples(String collapsed, Duration interval, Path flameGraph) {
    }
}

package io.cis.worker.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time per pipeline stage, from the kernel's per-thread accounting ({@code /proc/self/task/TID/schedstat},
 * nanoseconds on a CPU), grouped by thread name. This counts native threads too: the JVM gives its threads their
 * Java names at the OS level, and threads a native library starts (libtorch's OpenMP workers) inherit the name of
 * the thread that started them, so an inference thread's intra-op helpers are counted as inference.
 * Threads that exit between two snapshots lose their share (the pipeline's pools live for the whole run).
 */
final class StageCpu {

    /** Stages in report order, each with the thread-name prefixes that belong to it. */
    static final Map<String, List<String>> STAGES = stages();

    private static Map<String, List<String>> stages() {
        Map<String, List<String>> stages = new LinkedHashMap<>();
        stages.put("receive", List.of("sqs-"));
        stages.put("fetch", List.of("fetch-"));
        stages.put("cache", List.of("cache-lookup"));
        stages.put("decode+preprocess", List.of("decode-"));
        stages.put("inference", List.of("inference-"));
        stages.put("index", List.of("index"));
        stages.put("jvm (gc, jit)", List.of("GC ", "G1 ", "C1 ", "C2 ", "VM ", "Sweeper"));
        return stages;
    }

    static final String OTHER = "other";

    private StageCpu() {
    }

    /** Nanoseconds of CPU per stage (plus "other") used by this process's threads so far, keyed by thread id. */
    static Map<Integer, ThreadTime> snapshot() {
        Map<Integer, ThreadTime> threads = new LinkedHashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    String schedstat = Files.readString(task.resolve("schedstat")).strip();
                    long onCpu = Long.parseLong(schedstat.split(" ")[0]);
                    threads.put(Integer.parseInt(task.getFileName().toString()), new ThreadTime(comm, onCpu));
                } catch (IOException | RuntimeException e) {
                    // the thread exited while we looked: ignore it
                }
            }
        } catch (IOException e) {
            // not Linux: no per-thread figures
        }
        return threads;
    }

    record ThreadTime(String name, long cpuNanos) {
    }

    /** CPU seconds per stage between two snapshots. */
    static Map<String, Double> between(Map<Integer, ThreadTime> before, Map<Integer, ThreadTime> after) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        STAGES.keySet().forEach(stage -> seconds.put(stage, 0.0));
        seconds.put(OTHER, 0.0);
        after.forEach((tid, now) -> {
            ThreadTime then = before.get(tid);
            long delta = now.cpuNanos() - (then != null && then.name().equals(now.name()) ? then.cpuNanos() : 0);
            seconds.merge(stageOf(now.name()), delta / 1e9, Double::sum);
        });
        return seconds;
    }

    /** CPU seconds, between two snapshots, of the threads whose names start with {@code prefix}. */
    static double secondsOf(Map<Integer, ThreadTime> before, Map<Integer, ThreadTime> after, String prefix) {
        double seconds = 0;
        for (Map.Entry<Integer, ThreadTime> e : after.entrySet()) {
            if (e.getValue().name().startsWith(prefix)) {
                ThreadTime then = before.get(e.getKey());
                seconds += (e.getValue().cpuNanos() - (then == null ? 0 : then.cpuNanos())) / 1e9;
            }
        }
        return seconds;
    }

    static String stageOf(String threadName) {
        for (Map.Entry<String, List<String>> stage : STAGES.entrySet()) {
            for (String prefix : stage.getValue()) {
                if (threadName.startsWith(prefix)) {
                    return stage.getKey();
                }
            }
        }
        return OTHER;
    }

    /** Peak and current resident memory of this process, in bytes (VmHWM, VmRSS), or -1 where unknown. */
    static long[] residentMemory() {
        long hwm = -1;
        long rss = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = kilobytes(line) * 1024;
                } else if (line.startsWith("VmRSS:")) {
                    rss = kilobytes(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new long[] {hwm, rss};
    }

    private static long kilobytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    /**
     * Busy CPU seconds of the whole machine so far (every process: the local services too), from /proc/stat,
     * in USER_HZ ticks of 1/100 s (the value on every Linux x86-64 kernel).
     */
    static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

package io.cis.worker.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches worker processes' memory from /proc: the peak resident set (VmHWM, kept by the kernel) and the current
 * one (VmRSS), sampled every 250 ms until the process exits.
 */
public final class RssSampler implements AutoCloseable {

    /** One sample: when (ms since the sampler started), current and peak resident set in KB. */
    record Sample(long atMillis, long rssKb, long peakKb) {
    }

    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final long started = System.currentTimeMillis();
    private volatile long peakKb;

    RssSampler(long pid) {
        thread = new Thread(() -> {
            Path status = Path.of("/proc", Long.toString(pid), "status");
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    long rss = 0;
                    long hwm = 0;
                    for (String line : Files.readAllLines(status)) {
                        if (line.startsWith("VmRSS:")) {
                            rss = kb(line);
                        } else if (line.startsWith("VmHWM:")) {
                            hwm = kb(line);
                        }
                    }
                    peakKb = Math.max(peakKb, hwm);
                    samples.add(new Sample(System.currentTimeMillis() - started, rss, hwm));
                    Thread.sleep(250);
                } catch (IOException e) {
                    return; // the process is gone
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-" + pid);
        thread.setDaemon(true);
        thread.start();
    }

    /** A process's resident set now (VmRSS), in KB: for checks that take their own samples at chosen points. */
    public static long currentRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return kb(line);
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /** The highest VmHWM seen, in MB. */
    long peakMb() {
        return peakKb / 1024;
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Samples taken from now on, for {@link #samplesSince}. */
    long now() {
        return System.currentTimeMillis() - started;
    }

    List<Sample> samplesSince(long atMillis) {
        return samples.stream().filter(s -> s.atMillis() >= atMillis).toList();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}

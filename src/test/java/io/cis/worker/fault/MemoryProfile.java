package io.cis.worker.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a worker's memory stayed flat while it worked through a backlog, from two sources:
 *
 * <ul>
 *   <li>the JVM's GC log ({@code -Xlog:gc}): the heap left after each collection. Its low points are the live data;
 *       if the worker held on to the backlog (or leaked per item), they would climb with the work done.</li>
 *   <li>/proc resident set samples: bounded by configuration (the heap limit plus the native memory the worker had
 *       once running, model and libtorch included), whatever the size of the backlog.</li>
 * </ul>
 * Resident memory alone is not a leak test for a JVM: G1 grows the heap towards -Xmx when collections fall behind
 * (as they do on a busy 2-core machine), which looks like growth but is bounded.
 */
final class MemoryProfile {

    /** How the worker JVM must be started for this profile (added to its environment). */
    static Map<String, String> gcLogSettings(Path gcLog) {
        return Map.of("JAVA_TOOL_OPTIONS", "-Xlog:gc:file=" + gcLog.toAbsolutePath());
    }

    static final long HEAP_MAX_MB = 1024; // WorkerProcess runs the worker with -Xmx1g
    private static final Pattern COLLECTION = Pattern.compile("^\\[(\\d+[.,]\\d+)s\\].*Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    /** Heap after one collection, at a JVM uptime. */
    record AfterGc(double uptimeSeconds, long heapMb) {
    }

    final List<AfterGc> collections;
    final List<RssSampler.Sample> rss;

    MemoryProfile(Path gcLog, List<RssSampler.Sample> rss) {
        this.collections = parse(gcLog);
        this.rss = List.copyOf(rss);
    }

    static List<AfterGc> parse(Path gcLog) {
        List<AfterGc> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(gcLog)) {
                Matcher m = COLLECTION.matcher(line);
                if (m.find()) {
                    found.add(new AfterGc(Double.parseDouble(m.group(1).replace(',', '.')), Long.parseLong(m.group(3))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("no GC log at " + gcLog, e);
        }
        return found;
    }

    /** The lowest heap after a collection within a quarter (1-4) of the run: the live data then. */
    long liveHeapMb(int quarter) {
        int from = collections.size() * (quarter - 1) / 4;
        int to = collections.size() * quarter / 4;
        return collections.subList(from, Math.max(from + 1, to)).stream().mapToLong(AfterGc::heapMb).min().orElse(0);
    }

    /** Flat: the live data at the end is no more than after the warm-up (second quarter) plus a small margin. */
    boolean liveHeapFlat(long marginMb) {
        return collections.size() >= 8 && liveHeapMb(4) <= liveHeapMb(2) + marginMb;
    }

    long peakRssMb() {
        return rss.stream().mapToLong(RssSampler.Sample::peakKb).max().orElse(0) / 1024;
    }

    /** Resident set when the worker had just started (model loaded), the base the heap grows on. */
    long startRssMb() {
        return rss.isEmpty() ? 0 : rss.get(0).rssKb() / 1024;
    }

    /** Bounded: the peak is within the start plus the whole heap limit plus a margin for native buffers. */
    boolean rssBounded(long marginMb) {
        return peakRssMb() <= startRssMb() + HEAP_MAX_MB + marginMb;
    }

    String describe() {
        return String.format(Locale.ROOT, "RSS %d MB at start, peak %d MB; live heap %d/%d/%d/%d MB by quarter (%d GCs)",
                startRssMb(), peakRssMb(), liveHeapMb(1), liveHeapMb(2), liveHeapMb(3), liveHeapMb(4), collections.size());
    }
}

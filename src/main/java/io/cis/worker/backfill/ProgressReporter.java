package io.cis.worker.backfill;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Shows how far a backfill has got: on a terminal a single progress line redrawn in place on stderr (done/total,
 * rate, ETA, failures); otherwise a plain progress log line every interval, which journald and log shippers keep.
 */
public final class ProgressReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("io.cis.worker.backfill.progress");
    private static final long TERMINAL_REDRAW_MILLIS = 500;
    private static final int BAR_WIDTH = 30;

    private final Supplier<BackfillTally.Snapshot> counters;
    private final OptionalLong total;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private final PrintStream terminal;
    private final long intervalMillis;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param terminal where to draw the progress line, or null to log progress lines every {@code logInterval}
     */
    public ProgressReporter(Supplier<BackfillTally.Snapshot> counters, OptionalLong total, PrintStream terminal,
                            Duration logInterval, LongSupplier nanoTime) {
        this.counters = counters;
        this.total = total;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.terminal = terminal;
        this.intervalMillis = terminal != null ? TERMINAL_REDRAW_MILLIS : logInterval.toMillis();
        this.thread = new Thread(this::loop, "backfill-progress");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (running) {
                report();
            }
        }
    }

    private void report() {
        BackfillTally.Snapshot s = counters.get();
        Duration elapsed = Duration.ofNanos(nanoTime.getAsLong() - startNanos);
        if (terminal != null) {
            // Erase the line, draw, and return to its start: a log line printed meanwhile overwrites the bar
            // instead of being glued to its end, and the next redraw starts on a fresh line.
            terminal.print("\033[2K" + line(s, total, elapsed, BAR_WIDTH) + "\r");
            terminal.flush();
            return;
        }
        double rate = rate(s.done(), elapsed);
        log.info("backfill progress", kv("done", s.done()), kv("total", total.isPresent() ? total.getAsLong() : null),
                kv("selected", s.selected()), kv("indexed", s.indexed()), kv("cache_hits", s.cacheHits()),
                kv("enqueued", s.enqueued()), kv("skipped", s.skipped()), kv("failed", s.failed()),
                kv("images_per_second", round(rate)), kv("elapsed_seconds", elapsed.toSeconds()),
                kv("eta_seconds", eta(s.done(), total, rate).map(Duration::toSeconds).orElse(null)));
    }

    /** Stops reporting; on a terminal, clears the progress line so the summary starts on a clean line. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (terminal != null) {
            terminal.print("\033[2K\r");
            terminal.flush();
        }
    }

    /** E.g. {@code [#########.....]  1234/5000  24.7%  13.2 img/s  ETA 4m45s  failed 3}. */
    static String line(BackfillTally.Snapshot s, OptionalLong total, Duration elapsed, int barWidth) {
        double rate = rate(s.done(), elapsed);
        StringBuilder line = new StringBuilder();
        if (total.isPresent() && total.getAsLong() > 0) {
            long all = total.getAsLong();
            double fraction = Math.min(1.0, (double) s.done() / all);
            int filled = (int) Math.round(fraction * barWidth);
            line.append('[').append("#".repeat(filled)).append(".".repeat(barWidth - filled)).append("] ")
                    .append(s.done()).append('/').append(all)
                    .append(String.format(Locale.ROOT, "  %.1f%%", fraction * 100));
        } else {
            line.append(s.done()).append(" done");
        }
        line.append(String.format(Locale.ROOT, "  %.1f img/s", rate));
        eta(s.done(), total, rate).ifPresent(eta -> line.append("  ETA ").append(duration(eta)));
        line.append("  failed ").append(s.failed());
        return line.toString();
    }

    static double rate(long done, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : done / seconds;
    }

    static java.util.Optional<Duration> eta(long done, OptionalLong total, double rate) {
        if (total.isEmpty() || rate <= 0) {
            return java.util.Optional.empty();
        }
        long left = Math.max(0, total.getAsLong() - done);
        return java.util.Optional.of(Duration.ofSeconds(Math.round(left / rate)));
    }

    /** 45s, 4m05s, 2h03m. */
    static String duration(Duration d) {
        long seconds = Math.max(0, d.toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }

    static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}

package io.cis.worker.backfill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * How a backfill ended, for the operator (printed) and for the log (one line with every counter).
 *
 * @param description what ran, e.g. "opensearch index cis-files, slice 0/2, direct"
 * @param total       how many the source said it held, when it knew
 * @param interrupted stopped by a signal before the source was exhausted
 * @param sourceError why reading the source failed, or null
 */
public record BackfillSummary(String description, Backfill.Mode mode, OptionalLong total, BackfillTally.Snapshot counts,
                              Duration elapsed, boolean interrupted, String sourceError) {

    public static final int EXIT_OK = 0;
    /** Some images failed (permanently or transiently), or the source could not be read to the end. */
    public static final int EXIT_FAILURES = 1;
    /** Stopped by SIGINT/SIGTERM before the end (128 + SIGINT, as shells report Ctrl-C): run it again to continue. */
    public static final int EXIT_INTERRUPTED = 130;

    private static final Logger log = LoggerFactory.getLogger("io.cis.worker.backfill");

    /** Items selected but not settled when the backfill stopped waiting (only after an interrupt). */
    public long unfinished() {
        return counts.selected() - counts.done();
    }

    public double imagesPerSecond() {
        return ProgressReporter.rate(counts.done(), elapsed);
    }

    /** Interrupted wins: the run is incomplete whatever else happened, and running it again is the next step. */
    public int exitCode() {
        if (interrupted || unfinished() > 0) {
            return EXIT_INTERRUPTED;
        }
        return counts.failed() > 0 || sourceError != null ? EXIT_FAILURES : EXIT_OK;
    }

    public String text() {
        StringBuilder s = new StringBuilder();
        String state = sourceError != null ? "stopped by an error" : interrupted ? "interrupted" : "finished";
        s.append("backfill ").append(state).append(" (").append(description).append(") in ")
                .append(ProgressReporter.duration(elapsed)).append('\n');
        if (mode == Backfill.Mode.DRY_RUN) {
            row(s, "would process", counts.selected(), "");
            total.ifPresent(t -> row(s, "matching", t, ""));
        } else {
            row(s, "selected", counts.selected(), total.isPresent() ? "of " + total.getAsLong() : "");
        }
        if (mode == Backfill.Mode.DIRECT) {
            row(s, "indexed", counts.indexed(), "cache hits " + counts.cacheHits());
        }
        if (mode == Backfill.Mode.ENQUEUE) {
            row(s, "enqueued", counts.enqueued(), "");
        }
        row(s, "skipped", counts.skipped(), reasons(counts.skippedByReason()));
        if (mode == Backfill.Mode.DRY_RUN) {
            return s.toString();
        }
        List<String> failures = new ArrayList<>();
        if (counts.failedPermanently() > 0) {
            failures.add("permanently: " + reasons(counts.failedPermanentlyByReason()));
        }
        if (counts.failedTransiently() > 0) {
            failures.add("transiently (retried by the next run): " + reasons(counts.failedTransientlyByReason()));
        }
        row(s, "failed", counts.failed(), String.join("; ", failures));
        if (unfinished() > 0) {
            row(s, "unfinished", unfinished(), "selected again by the next run");
        }
        if (sourceError != null) {
            row(s, "source error", "", sourceError);
        }
        row(s, "rate", String.format(Locale.ROOT, "%.1f", imagesPerSecond()), "images/s");
        return s.toString();
    }

    private static void row(StringBuilder s, String label, Object value, String note) {
        s.append(String.format(Locale.ROOT, "  %-14s %8s  %s", label, value, note).stripTrailing()).append('\n');
    }

    private static String reasons(Map<String, Long> byReason) {
        return byReason.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    public void log() {
        Object[] fields = {kv("description", description), kv("mode", mode.name().toLowerCase(Locale.ROOT)),
                kv("total", total.isPresent() ? total.getAsLong() : null), kv("selected", counts.selected()),
                kv("indexed", counts.indexed()), kv("cache_hits", counts.cacheHits()), kv("enqueued", counts.enqueued()),
                kv("skipped", counts.skipped()), kv("skipped_by_reason", counts.skippedByReason()),
                kv("failed_permanently", counts.failedPermanentlyByReason()),
                kv("failed_transiently", counts.failedTransientlyByReason()), kv("unfinished", unfinished()),
                kv("elapsed_seconds", elapsed.toMillis() / 1000.0),
                kv("images_per_second", ProgressReporter.round(imagesPerSecond())), kv("interrupted", interrupted),
                kv("source_error", sourceError), kv("exit_code", exitCode())};
        if (exitCode() == EXIT_OK) {
            log.info("backfill finished", fields);
        } else {
            log.warn("backfill finished", fields);
        }
    }
}

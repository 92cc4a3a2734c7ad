package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BackfillSummaryTest {

    private static BackfillSummary summary(BackfillTally.Snapshot counts, boolean interrupted, String sourceError) {
        return new BackfillSummary("opensearch index cis-files, direct", Backfill.Mode.DIRECT, OptionalLong.of(10),
                counts, Duration.ofSeconds(4), interrupted, sourceError);
    }

    private static BackfillTally.Snapshot counts(long selected, long done, Map<String, Long> permanent,
                                                 Map<String, Long> transientFailures) {
        long failed = permanent.values().stream().mapToLong(Long::longValue).sum()
                + transientFailures.values().stream().mapToLong(Long::longValue).sum();
        return new BackfillTally.Snapshot(selected, done, done - failed, 2, 0, Map.of(), permanent, transientFailures);
    }

    @Test
    void exitStatusSaysWhetherAnythingFailedOrWasLeftOver() {
        assertEquals(0, summary(counts(10, 10, Map.of(), Map.of()), false, null).exitCode());
        assertEquals(1, summary(counts(10, 10, Map.of("corrupt", 1L), Map.of()), false, null).exitCode());
        assertEquals(1, summary(counts(10, 10, Map.of(), Map.of("s3_error", 1L)), false, null).exitCode());
        assertEquals(1, summary(counts(4, 4, Map.of(), Map.of()), false, "IOException: down").exitCode());
        assertEquals(130, summary(counts(6, 4, Map.of(), Map.of()), true, null).exitCode());
        assertEquals(130, summary(counts(6, 4, Map.of("corrupt", 1L), Map.of()), true, null).exitCode());
    }

    @Test
    void textListsEveryCounterWithReasonsAndTheRate() {
        String text = summary(counts(10, 8, Map.of("object_not_found", 2L), Map.of()), true, null).text();
        assertTrue(text.startsWith("backfill interrupted (opensearch index cis-files, direct) in 4s\n"), text);
        assertTrue(text.contains("selected             10  of 10"), text);
        assertTrue(text.contains("indexed               6  cache hits 2"), text);
        assertTrue(text.contains("failed                2  permanently: object_not_found 2\n"), text);
        assertTrue(text.contains("unfinished            2  selected again by the next run"), text);
        assertTrue(text.contains("rate                2.0  images/s"), text);
    }

    @Test
    void aDryRunSaysHowManyWouldBeProcessed() {
        // Skipped candidates are not selected: 10 usable images were counted, 2 non-images passed over.
        BackfillTally.Snapshot counts = new BackfillTally.Snapshot(10, 10, 0, 0, 0, Map.of("not_an_image", 2L), Map.of(), Map.of());
        String text = new BackfillSummary("s3://b/p, dry-run", Backfill.Mode.DRY_RUN, OptionalLong.empty(), counts,
                Duration.ofSeconds(1), false, null).text();
        assertEquals("""
                backfill finished (s3://b/p, dry-run) in 1s
                  would process        10
                  skipped               2  not_an_image 2
                """, text);
    }
}

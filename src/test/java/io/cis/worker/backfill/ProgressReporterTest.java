package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

    private static BackfillTally.Snapshot done(long done, long permanentFailures) {
        return new BackfillTally.Snapshot(done, done, done - permanentFailures, 0, 0, Map.of(),
                permanentFailures == 0 ? Map.of() : Map.of("corrupt", permanentFailures), Map.of());
    }

    @Test
    void barShowsDoneTotalRateEtaAndFailures() {
        String line = ProgressReporter.line(done(250, 3), OptionalLong.of(1000), Duration.ofSeconds(25), 10);
        assertEquals("[###.......] 250/1000  25.0%  10.0 img/s  ETA 1m15s  failed 3", line);
    }

    @Test
    void withoutATotalThereIsNoBarAndNoEta() {
        assertEquals("40 done  4.0 img/s  failed 0",
                ProgressReporter.line(done(40, 0), OptionalLong.empty(), Duration.ofSeconds(10), 10));
    }

    @Test
    void nothingDoneYetHasNoEta() {
        assertEquals("[..........] 0/5  0.0%  0.0 img/s  failed 0",
                ProgressReporter.line(done(0, 0), OptionalLong.of(5), Duration.ZERO, 10));
    }

    @Test
    void durationsAreShort() {
        assertEquals("45s", ProgressReporter.duration(Duration.ofSeconds(45)));
        assertEquals("4m05s", ProgressReporter.duration(Duration.ofSeconds(245)));
        assertEquals("2h03m", ProgressReporter.duration(Duration.ofSeconds(2 * 3600 + 3 * 60 + 59)));
    }
}

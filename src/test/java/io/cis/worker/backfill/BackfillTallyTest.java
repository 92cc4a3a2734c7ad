package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.pipeline.WorkItem;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackfillTallyTest {

    private static WorkItem item(BackfillTally tally) {
        return new WorkItem(S3ObjectRef.of("b", "k.jpg"), "doc", tally, 0);
    }

    @Test
    void countsEachOutcomeByKindAndReasonCode() {
        BackfillTally tally = new BackfillTally();
        for (int i = 0; i < 6; i++) {
            tally.selected();
        }
        tally.settle(item(tally), Outcome.indexed());
        tally.settle(item(tally), Outcome.skipped(Reason.NOT_AN_IMAGE, ""));
        tally.settle(item(tally), Outcome.permanent(Reason.OBJECT_NOT_FOUND, "NoSuchKey"));
        tally.settle(item(tally), Outcome.permanent(Reason.OBJECT_NOT_FOUND, "404"));
        tally.settle(item(tally), Outcome.transientFailure(Reason.S3_ERROR, "HTTP 503 SlowDown"));

        BackfillTally.Snapshot s = tally.snapshot();
        assertEquals(6, s.selected());
        assertEquals(5, s.done());
        assertEquals(1, tally.unsettled());
        assertEquals(1, s.indexed());
        assertEquals(0, s.cacheHits());
        assertEquals(Map.of("not_an_image", 1L), s.skippedByReason());
        assertEquals(Map.of("object_not_found", 2L), s.failedPermanentlyByReason());
        assertEquals(Map.of("s3_error", 1L), s.failedTransientlyByReason());
        assertEquals(3, s.failed());
    }

    @Test
    void isSafeUnderConcurrentSettlement() {
        BackfillTally tally = new BackfillTally();
        IntStream.range(0, 10_000).parallel().forEach(i -> {
            tally.selected();
            tally.settle(item(tally), i % 2 == 0 ? Outcome.indexed() : Outcome.permanent(Reason.IMAGE_CORRUPT, ""));
        });
        BackfillTally.Snapshot s = tally.snapshot();
        assertEquals(10_000, s.done());
        assertEquals(5_000, s.indexed());
        assertEquals(5_000L, s.failedPermanentlyByReason().get("image_corrupt"));
        assertEquals(0, tally.unsettled());
    }
}

package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightMessageTest {

    private static InFlightMessage message(long receivedAt, long visibleUntil) {
        return new InFlightMessage("m1", "rh1", 1, receivedAt, visibleUntil);
    }

    @Test
    void completesOnceWhenTheLastItemSettlesAfterRegistration() {
        InFlightMessage m = message(0, 60_000);
        m.expectItem();
        m.expectItem();
        assertFalse(m.itemSettled(Outcome.indexed()), "items may settle before registration ends");
        assertFalse(m.allItemsRegistered());
        assertTrue(m.itemSettled(Outcome.skipped(Reason.NOT_AN_IMAGE, "")));
        assertTrue(m.deletable());
        assertEquals(2, m.outcomes().size());
    }

    @Test
    void completesAtRegistrationWhenEverythingAlreadySettled() {
        InFlightMessage m = message(0, 60_000);
        m.expectItem();
        assertFalse(m.itemSettled(Outcome.permanent(Reason.IMAGE_CORRUPT, "")));
        assertTrue(m.allItemsRegistered());
        assertTrue(m.deletable(), "permanent failures are final");
    }

    @Test
    void oneTransientFailureKeepsTheWholeMessage() {
        InFlightMessage m = message(0, 60_000);
        m.expectItem();
        m.expectItem();
        m.allItemsRegistered();
        m.itemSettled(Outcome.indexed());
        assertTrue(m.itemSettled(Outcome.transientFailure(Reason.INDEX_UNAVAILABLE, "opensearch 503")));
        assertFalse(m.deletable());
    }

    @Test
    void heartbeatExtendsOnlyMessagesPastTheFractionAndWithinTheMaximum() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(100_000), ZoneOffset.UTC);
        VisibilityHeartbeat heartbeat = new VisibilityHeartbeat(new InFlightRegistry(10), null, clock, 10, 0.5,
                Duration.ofSeconds(60), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        InFlightMessage fresh = message(99_000, 109_000);     // 9 s of visibility left: not yet
        InFlightMessage halfway = message(95_000, 105_000);   // 5 s left of 10: due
        InFlightMessage old = message(45_000, 104_000);       // in flight 55 s: another 10 s would pass the 60 s maximum
        InFlightMessage done = message(95_000, 105_000);
        done.allItemsRegistered();
        List<InFlightMessage> due = heartbeat.dueForExtension(List.of(fresh, halfway, old, done), clock.millis());
        assertEquals(List.of(halfway), due);
    }
}

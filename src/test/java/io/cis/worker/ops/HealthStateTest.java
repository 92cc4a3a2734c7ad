package io.cis.worker.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HealthStateTest {

    @Test
    void aBrokenWorkerIsNeverReadyAgainAndKeepsTheFirstCause() {
        HealthState health = new HealthState();
        health.ready();
        assertTrue(health.isReady());
        health.failed("inference-0: java.lang.OutOfMemoryError");
        health.failed("index: java.lang.IllegalStateException"); // a consequence, usually
        health.ready();
        assertFalse(health.isReady());
        assertEquals(Optional.of("inference-0: java.lang.OutOfMemoryError"), health.failure());
    }

    @Test
    void aWorkerPausedForAnOutageIsNotReadyAndSaysWhyUntilItResumes() {
        HealthState health = new HealthState();
        java.util.concurrent.atomic.AtomicReference<String> paused = new java.util.concurrent.atomic.AtomicReference<>();
        health.pausedWhile(() -> Optional.ofNullable(paused.get()));
        health.ready();
        assertTrue(health.isReady());

        paused.set("opensearch index_not_writable: index cis-files is closed");
        assertFalse(health.isReady());
        assertEquals("receiving paused: opensearch index_not_writable: index cis-files is closed", health.notReadyBecause());

        paused.set(null);
        assertTrue(health.isReady());
    }
}

package io.cis.worker.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutageGateTest {

    private final AtomicBoolean serviceUp = new AtomicBoolean(false);
    private final AtomicInteger probes = new AtomicInteger();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    // A long probe interval: the tests probe by hand, the background prober never gets to it.
    private final OutageGate gate = new OutageGate("opensearch", () -> {
        probes.incrementAndGet();
        return serviceUp.get();
    }, Duration.ofHours(1), Clock.systemUTC(), metrics);

    @Test
    void openUntilTheServiceIsReportedUnavailable() throws InterruptedException {
        assertTrue(gate.awaitOpen(0, TimeUnit.MILLISECONDS));
        gate.answered();
        assertTrue(gate.isOpen());

        assertEquals(java.util.Optional.empty(), gate.pausedBecause());
        gate.unavailable(Reason.INDEX_UNREACHABLE, "connection refused");
        assertFalse(gate.isOpen());
        assertFalse(gate.awaitOpen(20, TimeUnit.MILLISECONDS));
        assertEquals(1.0, metrics.get(MetricNames.RECEIVE_PAUSED).tag(MetricNames.TAG_SERVICE, "opensearch").gauge().value());
        assertEquals(java.util.Optional.of("opensearch index_unreachable: connection refused"), gate.pausedBecause(),
                "what /health/ready says while paused");
    }

    @Test
    void aFailingProbeKeepsItClosedAndASucceedingOneOpensIt() throws InterruptedException {
        gate.unavailable(Reason.INDEX_UNREACHABLE, "503");
        gate.probeNow();
        assertFalse(gate.isOpen());

        serviceUp.set(true);
        gate.probeNow();
        assertTrue(gate.awaitOpen(0, TimeUnit.MILLISECONDS));
        assertEquals(0.0, metrics.get(MetricNames.RECEIVE_PAUSED).gauge().value());
    }

    @Test
    void probesOnlyWhileClosed() {
        gate.probeNow();
        assertEquals(0, probes.get());
    }

    @Test
    void anAnswerReleasesWaitingPollers() throws Exception {
        gate.unavailable(Reason.INDEX_UNREACHABLE, "timeout");
        CompletableFuture<Boolean> poller = CompletableFuture.supplyAsync(() -> {
            try {
                return gate.awaitOpen(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(poller.isDone());
        gate.answered();
        assertTrue(poller.get(5, TimeUnit.SECONDS));
    }

    @Test
    void theBackgroundProberReopensTheGate() throws InterruptedException {
        try (OutageGate quick = new OutageGate("opensearch", serviceUp::get, Duration.ofMillis(10), Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            quick.unavailable(Reason.INDEX_UNREACHABLE, "refused");
            assertFalse(quick.awaitOpen(50, TimeUnit.MILLISECONDS));
            serviceUp.set(true);
            assertTrue(quick.awaitOpen(5, TimeUnit.SECONDS));
        }
    }
}

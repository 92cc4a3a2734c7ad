package io.cis.worker.retry;

import io.cis.worker.core.Reason;
import io.cis.worker.core.ServiceHealthListener;

import io.cis.worker.ops.MetricNames;
import io.cis.worker.core.ReceiveGate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Pauses receiving while a service every item needs (OpenSearch) is down, and resumes when it answers again.
 *
 * <p>Why: a message received during an outage can only fail, and every receive brings it one step closer to the
 * dead-letter queue (the queue's maxReceiveCount). With the gate closed, messages wait in the queue instead, however
 * long the outage lasts; only those already in flight when it began are received once more afterwards.
 *
 * <p>The gate closes when the service's client reports it unavailable after its retries, and opens when the client
 * reports an answer or when a probe (a cheap request, every probe interval while closed) succeeds.
 */
public final class OutageGate implements ReceiveGate, ServiceHealthListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutageGate.class);

    private final String service;
    private final BooleanSupplier probe;
    private final Duration probeInterval;
    private final Clock clock;
    private final ScheduledExecutorService prober;

    // Guarded by this.
    private boolean open = true;
    private long closedAtMillis;
    private String closedBecause;
    private boolean probeScheduled;

    /**
     * @param probe         true if the service answers; must not throw and should time out on its own
     * @param probeInterval how often to probe while closed
     */
    public OutageGate(String service, BooleanSupplier probe, Duration probeInterval, Clock clock, MeterRegistry metrics) {
        this.service = service;
        this.probe = probe;
        this.probeInterval = probeInterval;
        this.clock = clock;
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "outage-probe-" + service);
            thread.setDaemon(true);
            return thread;
        });
        metrics.gauge(MetricNames.RECEIVE_PAUSED, Tags.of(MetricNames.TAG_SERVICE, service),
                this, gate -> gate.isOpen() ? 0 : 1);
    }

    @Override
    public synchronized boolean awaitOpen(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!open) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return true;
    }

    public synchronized boolean isOpen() {
        return open;
    }

    /** While closed: which service and why ({@code opensearch index_not_writable: ...}), for /health/ready. */
    public synchronized Optional<String> pausedBecause() {
        return open ? Optional.empty() : Optional.of(service + " " + closedBecause);
    }

    @Override
    public void unavailable(Reason reason, String detail) {
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
            closedAtMillis = clock.millis();
            closedBecause = reason.code() + (detail == null || detail.isEmpty() ? "" : ": " + detail);
        }
        log.warn("service unavailable, receiving paused until it answers", kv("service", service), kv("reason", reason.code()),
                kv("detail", detail), kv("probe_interval_ms", probeInterval.toMillis()));
        scheduleProbe();
    }

    @Override
    public void answered() {
        long pausedMillis;
        synchronized (this) {
            if (open) {
                return;
            }
            open = true;
            pausedMillis = clock.millis() - closedAtMillis;
            notifyAll();
        }
        log.info("service answers again, receiving resumed", kv("service", service), kv("paused_ms", pausedMillis));
    }

    /** Probes once; opens the gate if the service answers. Called by the probe thread, and by tests. */
    public void probeNow() {
        if (!isOpen() && probe.getAsBoolean()) {
            answered();
        }
    }

    private void scheduleProbe() {
        synchronized (this) {
            if (probeScheduled || prober.isShutdown()) {
                return;
            }
            probeScheduled = true;
        }
        prober.schedule(() -> {
            synchronized (this) {
                probeScheduled = false;
            }
            try {
                probeNow();
            } catch (RuntimeException e) {
                log.debug("probe failed", kv("service", service), kv("detail", e.toString()));
            }
            if (!isOpen()) {
                scheduleProbe();
            }
        }, probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}

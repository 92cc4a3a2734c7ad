package io.cis.worker.source;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The SQS side of the worker: pollers, the visibility heartbeat and message settlement, with the lifecycle the
 * daemon needs (start, stop receiving, wait for in-flight work, hand back what did not finish).
 */
public final class SqsQueueSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SqsQueueSource.class);
    /** The longest SQS long poll (20 s) plus the time to hand its messages back. */
    private static final long POLLER_STOP_MILLIS = 25_000;

    private final InFlightRegistry registry;
    private final SqsBatchOperations sqs;
    private final List<SqsPoller> pollers;
    private final MessageSettler settler;
    private final VisibilityHeartbeat heartbeat;
    private final IdleTracker idle;
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sqs-heartbeat");
        t.setDaemon(true);
        return t;
    });

    public SqsQueueSource(InFlightRegistry registry, SqsBatchOperations sqs, List<SqsPoller> pollers,
                          MessageSettler settler, VisibilityHeartbeat heartbeat, IdleTracker idle) {
        this.registry = registry;
        this.sqs = sqs;
        this.pollers = List.copyOf(pollers);
        this.settler = settler;
        this.heartbeat = heartbeat;
        this.idle = idle;
    }

    public void start() {
        threads.add(startThread(settler, "sqs-settler"));
        for (int i = 0; i < pollers.size(); i++) {
            threads.add(startThread(pollers.get(i), "sqs-poller-" + i));
        }
        if (heartbeat != null) {
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    heartbeat.run();
                } catch (RuntimeException e) {
                    log.warn("visibility heartbeat failed", kv("reason", e.toString()));
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
    }

    private static Thread startThread(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.start();
        return thread;
    }

    /**
     * Stops asking SQS for more. A long poll in progress is allowed to finish (within SQS_WAIT_TIME_SECONDS) and
     * whatever it returns is handed back at once; see {@link SqsPoller#stop}.
     */
    public void stopReceiving() {
        pollers.forEach(SqsPoller::stop);
    }

    /** Waits until every received message has been settled, or the timeout passes; true if drained. */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (registry.size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return registry.size() == 0;
    }

    /** Makes every message still in flight visible again at once, for another worker (or our restart). */
    public int handBackUnfinished() {
        settler.flush();
        List<InFlightMessage> unfinished = new ArrayList<>(registry.inFlight());
        if (!unfinished.isEmpty()) {
            sqs.changeVisibility(unfinished, 0);
            log.info("handed back unfinished messages", kv("messages", unfinished.size()));
        }
        return unfinished.size();
    }

    public Duration idleFor() {
        return idle.idleFor(registry.size());
    }

    public int inFlight() {
        return registry.size();
    }

    @Override
    public void close() {
        stopReceiving();
        settler.stop();
        scheduler.shutdownNow();
        for (Thread thread : threads) {
            try {
                // A poller may be in a long poll (at most 20 s): let it finish and hand its messages back.
                thread.join(thread.getName().startsWith("sqs-poller") ? POLLER_STOP_MILLIS : 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

package io.cis.worker.source;

import io.cis.worker.core.Reason;
import io.cis.worker.ops.FailureReasons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * The SQS side of the worker: pollers, the visibility heartbeat and message settlement, with the lifecycle the
 * daemon needs (start, stop receiving, wait for in-flight work, hand back what did not finish).
 */
public final class SqsQueueSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SqsQueueSource.class);
    /** Time for a poller to hand back what its last receive returned, after the receive itself. */
    private static final Duration HAND_BACK_TIME = Duration.ofSeconds(5);

    private final InFlightRegistry registry;
    private final SqsBatchOperations sqs;
    private final List<SqsPoller> pollers;
    private final MessageSettler settler;
    private final VisibilityHeartbeat heartbeat;
    private final IdleTracker idle;
    private final Supplier<QueueCounts> queueCounts;
    private final Duration receiveBound;
    private final List<Thread> pollerThreads = new ArrayList<>();
    private Thread settlerThread;
    private volatile Consumer<String> onThreadDied = thread -> { };
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sqs-heartbeat");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param queueCounts  reads the queue's counts, for the idle exit
     * @param receiveBound the longest one ReceiveMessage can take (the long-poll wait plus the client's margin)
     */
    public SqsQueueSource(InFlightRegistry registry, SqsBatchOperations sqs, List<SqsPoller> pollers,
                          MessageSettler settler, VisibilityHeartbeat heartbeat, IdleTracker idle,
                          Supplier<QueueCounts> queueCounts, Duration receiveBound) {
        this.registry = registry;
        this.sqs = sqs;
        this.pollers = List.copyOf(pollers);
        this.settler = settler;
        this.heartbeat = heartbeat;
        this.idle = idle;
        this.queueCounts = queueCounts;
        this.receiveBound = receiveBound;
    }

    public void start() {
        settlerThread = startThread(settler, "sqs-settler");
        for (int i = 0; i < pollers.size(); i++) {
            pollerThreads.add(startThread(pollers.get(i), "sqs-poller-" + i));
        }
        if (heartbeat != null) {
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    heartbeat.run();
                } catch (RuntimeException e) {
                    log.warn("visibility heartbeat failed", kv("reason", FailureReasons.ofSqsCall(e).code()),
                            kv("detail", e.toString()));
                } catch (Error e) {
                    // The scheduler would cancel the heartbeat silently: messages would then lapse mid-processing.
                    threadDied("sqs-heartbeat", e);
                    throw e;
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Told (with the thread's name and what killed it) when a poller, the settler or the heartbeat dies: receiving,
     * deleting or extending would stop for good, so whoever runs the source must stop too. Set before {@link #start}.
     */
    public void onThreadDied(Consumer<String> listener) {
        this.onThreadDied = listener;
    }

    private Thread startThread(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setUncaughtExceptionHandler((t, e) -> threadDied(t.getName(), e));
        thread.start();
        return thread;
    }

    private void threadDied(String name, Throwable e) {
        log.error("queue thread died", kv("thread", name), kv("reason", Reason.INTERNAL_ERROR.code()),
                kv("detail", e.toString()), e);
        onThreadDied.accept(name + ": " + e);
    }

    /**
     * Stops asking SQS for more. A long poll in progress is allowed to finish (within SQS_WAIT_TIME_SECONDS) and
     * whatever it returns is handed back at once; see {@link SqsPoller}. {@link #awaitReceivesFinished} waits for that.
     */
    public void stopReceiving() {
        pollers.forEach(SqsPoller::stop);
    }

    /**
     * After {@link #stopReceiving}: waits until every poller has finished, i.e. no ReceiveMessage of ours is open at
     * SQS any more and what the last ones returned is in the pipeline or handed back. Bounded by the longest a
     * receive can take; true if they all finished (a false is logged: a message may then stay in flight until its
     * visibility timeout).
     */
    public boolean awaitReceivesFinished() throws InterruptedException {
        long deadline = System.nanoTime() + receiveBound.plus(HAND_BACK_TIME).toNanos();
        for (Thread thread : pollerThreads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        List<String> stillReceiving = pollerThreads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
        if (!stillReceiving.isEmpty()) {
            log.warn("pollers still receiving at exit; a message their receive gets stays in flight until its "
                    + "visibility timeout", kv("pollers", stillReceiving), kv("waited_ms", receiveBound.plus(HAND_BACK_TIME).toMillis()));
        }
        return stillReceiving.isEmpty();
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
            sqs.handBack(unfinished);
            log.info("handed back unfinished messages", kv("messages", unfinished.size()));
        }
        return unfinished.size();
    }

    /**
     * How long nothing has been inside the worker and the queue has shown no visible, delayed or in-flight message
     * (see {@link IdleTracker}). The queue is asked only while the worker itself is idle.
     *
     * @param pipelineItems objects inside the pipeline (they may belong to no message any more)
     */
    public Duration idleFor(int pipelineItems) {
        if (pipelineItems > 0 || registry.size() > 0) {
            idle.busy();
            return Duration.ZERO;
        }
        return idle.idleFor(readQueueCounts());
    }

    private Optional<QueueCounts> readQueueCounts() {
        try {
            return Optional.of(queueCounts.get());
        } catch (RuntimeException e) {
            log.warn("could not read the queue's message counts; not idle until they can be read",
                    kv("reason", FailureReasons.ofSqsCall(e).code()), kv("detail", e.toString()));
            return Optional.empty();
        }
    }

    public int inFlight() {
        return registry.size();
    }

    /** Stops receiving and waits for the receives still open (the SQS clients are closed after this). */
    @Override
    public void close() {
        stopReceiving();
        try {
            awaitReceivesFinished();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        settler.stop();
        scheduler.shutdownNow();
        try {
            if (settlerThread != null) {
                settlerThread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

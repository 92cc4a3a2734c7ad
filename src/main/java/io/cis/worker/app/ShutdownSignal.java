package io.cis.worker.app;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * SIGTERM/SIGINT handling with two steps: the first asks for a graceful drain, a second one runs the given
 * emergency action (hand work back to the queue) and halts at once. Plain shutdown hooks cannot do this: the JVM
 * runs them only once and ignores later signals.
 */
public final class ShutdownSignal {

    private static final Logger log = LoggerFactory.getLogger(ShutdownSignal.class);

    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();
    private volatile Runnable onSecondSignal = () -> { };

    public static ShutdownSignal install() {
        ShutdownSignal shutdown = new ShutdownSignal();
        for (String name : new String[]{"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> shutdown.onSignal(signal.getName()));
        }
        return shutdown;
    }

    void onSignal(String name) {
        int count = signals.incrementAndGet();
        if (count == 1) {
            log.info("shutdown requested, draining", kv("signal", name));
            requested.countDown();
        } else {
            log.warn("second signal, exiting now", kv("signal", name));
            try {
                onSecondSignal.run();
            } finally {
                Runtime.getRuntime().halt(0);
            }
        }
    }

    public void onSecondSignal(Runnable action) {
        this.onSecondSignal = action;
    }

    /** Also used by the idle exit and by tests to start a drain without a signal. */
    public void request() {
        requested.countDown();
    }

    public boolean awaitRequested(long timeout, TimeUnit unit) throws InterruptedException {
        return requested.await(timeout, unit);
    }
}

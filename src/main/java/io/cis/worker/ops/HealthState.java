package io.cis.worker.ops;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What /health/ready reports: ready once start-up checks passed, not ready again while draining for shutdown, and
 * never again once a part of the worker has broken for good (a stage thread died): the daemon then stops.
 */
public final class HealthState {

    private volatile boolean ready;
    private final AtomicReference<String> failure = new AtomicReference<>();

    public void ready() {
        ready = true;
    }

    public void draining() {
        ready = false;
    }

    /** Records what broke (the first report wins: later ones are usually its consequences). */
    public void failed(String what) {
        failure.compareAndSet(null, what);
    }

    /** What broke, if anything did. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    public boolean isReady() {
        return ready && failure.get() == null;
    }
}

package io.cis.worker.ops;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What /health/ready reports: not ready while starting (and, while start-up waits for a service, which one), ready
 * once the start-up checks passed and the queue is read, not ready again while draining for shutdown, and never
 * again once a part of the worker has broken for good (a stage thread died): the daemon then stops. Not ready
 * either while receiving is paused for an outage (OpenSearch down, its index closed or missing), saying why: the
 * worker is waiting, not working.
 */
public final class HealthState {

    private volatile boolean ready;
    private volatile String notReadyBecause = "starting";
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile Supplier<Optional<String>> pause = Optional::empty;

    /** Start-up is under way (again, after a wait for services ended). */
    public void starting() {
        notReadyBecause = "starting";
    }

    /** Start-up is waiting for these services (e.g. {@code opensearch (http://..., index_unreachable)}). */
    public void waitingFor(String services) {
        notReadyBecause = "waiting for " + services;
    }

    public void ready() {
        ready = true;
    }

    public void draining() {
        notReadyBecause = "draining";
        ready = false;
    }

    /** Where to ask whether receiving is paused for an outage, and why. */
    public void pausedWhile(Supplier<Optional<String>> pausedBecause) {
        this.pause = pausedBecause;
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
        return ready && failure.get() == null && pause.get().isEmpty();
    }

    /** Why it is not ready: starting, waiting for ..., draining, receiving paused: ..., or what broke. */
    public String notReadyBecause() {
        String broken = failure.get();
        if (broken != null) {
            return "failed: " + broken;
        }
        Optional<String> paused = pause.get();
        return ready && paused.isPresent() ? "receiving paused: " + paused.get() : notReadyBecause;
    }
}

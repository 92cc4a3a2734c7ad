package io.cis.worker.ops;

/** What /health/ready reports: ready once start-up checks passed, not ready again while draining for shutdown. */
public final class HealthState {

    private volatile boolean ready;

    public void ready() {
        ready = true;
    }

    public void draining() {
        ready = false;
    }

    public boolean isReady() {
        return ready;
    }
}

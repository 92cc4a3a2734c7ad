package io.cis.worker.ops;

/**
 * What /health/ready reports: not ready while starting (and, while start-up waits for a service, which one), ready
 * once the start-up checks passed and the queue is read, not ready again while draining for shutdown.
 */
public final class HealthState {

    private volatile boolean ready;
    private volatile String notReadyBecause = "starting";

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

    public boolean isReady() {
        return ready;
    }

    /** Why it is not ready: starting, waiting for ..., draining. */
    public String notReadyBecause() {
        return notReadyBecause;
    }
}

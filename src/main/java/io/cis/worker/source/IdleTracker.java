package io.cis.worker.source;

import java.time.Clock;
import java.time.Duration;

/** Remembers when the queue last gave us work, for the exit-when-idle mode used by one-shot runs and tests. */
public final class IdleTracker {

    private final Clock clock;
    private volatile long lastWorkMillis;

    public IdleTracker(Clock clock) {
        this.clock = clock;
        this.lastWorkMillis = clock.millis();
    }

    void received(int messages) {
        if (messages > 0) {
            lastWorkMillis = clock.millis();
        }
    }

    /** Resets the idle clock without work, e.g. while receiving is paused. */
    void notIdle() {
        lastWorkMillis = clock.millis();
    }

    /** How long the queue has returned nothing, counting only while nothing is in flight. */
    public Duration idleFor(int inFlight) {
        if (inFlight > 0) {
            lastWorkMillis = clock.millis();
            return Duration.ZERO;
        }
        return Duration.ofMillis(clock.millis() - lastWorkMillis);
    }
}

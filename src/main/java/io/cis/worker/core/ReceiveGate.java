package io.cis.worker.core;

import java.util.concurrent.TimeUnit;

/** Lets pollers receive only while the services every message needs are up. */
@FunctionalInterface
public interface ReceiveGate {

    ReceiveGate ALWAYS_OPEN = (timeout, unit) -> true;

    /** Waits up to the timeout for the gate to be open; true if it is. */
    boolean awaitOpen(long timeout, TimeUnit unit) throws InterruptedException;
}

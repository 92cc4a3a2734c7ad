package io.cis.worker.cache;

import java.time.Duration;

/** Waits between retries; injected so tests can record the waits instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

    Sleeper THREAD_SLEEP = duration -> Thread.sleep(duration.toMillis());

    void sleep(Duration duration) throws InterruptedException;
}

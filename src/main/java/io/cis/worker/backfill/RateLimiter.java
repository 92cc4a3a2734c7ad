package io.cis.worker.backfill;

/**
 * Spaces permits evenly at a fixed rate, without bursts: each permit is due one interval after the previous one.
 * Pure bookkeeping on a caller-supplied clock; the caller does the waiting (so it can stop early).
 */
public final class RateLimiter {

    private final long intervalNanos;
    private long nextFreeNanos = Long.MIN_VALUE;

    /** @param permitsPerSecond 0 or less means unlimited */
    public RateLimiter(double permitsPerSecond) {
        this.intervalNanos = permitsPerSecond <= 0 ? 0 : Math.max(1, Math.round(1_000_000_000d / permitsPerSecond));
    }

    public boolean isUnlimited() {
        return intervalNanos == 0;
    }

    /** Takes the next permit; returns how many nanoseconds after {@code nowNanos} the caller may use it. */
    public synchronized long reserve(long nowNanos) {
        if (intervalNanos == 0) {
            return 0;
        }
        if (nextFreeNanos == Long.MIN_VALUE || nextFreeNanos - nowNanos < 0) {
            nextFreeNanos = nowNanos; // idle time is not saved up for a burst later
        }
        long wait = nextFreeNanos - nowNanos;
        nextFreeNanos += intervalNanos;
        return wait;
    }
}

package io.cis.worker.retry;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how patiently a call is tried: a bounded number of attempts with exponential backoff and jitter
 * between them (RETRY_MAX_ATTEMPTS, RETRY_INITIAL_BACKOFF_MS, RETRY_MAX_BACKOFF_MS). Pure: the random draw is passed
 * in, so every schedule is unit-tested without sleeping.
 *
 * <p>The wait before retry {@code n} is the capped exponential step {@code min(max, initial * 2^(n-1))}, half of it
 * fixed and half scaled by the random draw ("equal jitter"): the retries of many threads after a common failure are
 * spread out, yet no wait collapses to nearly zero the way full jitter can.
 *
 * @param maxAttempts    calls in all, the first one included (1 = never retry)
 * @param initialBackoff upper bound of the wait before the first retry
 * @param maxBackoff     cap on any single wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("initialBackoff must be positive, was " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
        }
    }

    /** Whether another call may follow {@code attemptsMade} calls. */
    public boolean allowsRetryAfter(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }

    /**
     * The wait before retry number {@code retry} (1 = the first retry, i.e. after the first failed attempt).
     *
     * @param jitter a uniform random number in [0, 1)
     */
    public Duration delayBeforeRetry(int retry, double jitter) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry numbers start at 1, was " + retry);
        }
        if (!(jitter >= 0.0 && jitter < 1.0)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
        }
        long cap = maxBackoff.toMillis();
        long step = initialBackoff.toMillis();
        // Doubling stops at the cap, so a large retry number cannot overflow the way 2^(retry-1) would.
        for (int i = 1; i < retry && step < cap; i++) {
            step *= 2;
        }
        step = Math.min(step, cap);
        long half = step / 2;
        return Duration.ofMillis(step - half + (long) (half * jitter));
    }

    /** The longest the waits of one call can add up to (every draw at its maximum); for logs and docs. */
    public Duration longestTotalWait() {
        Duration total = Duration.ZERO;
        for (int retry = 1; retry < maxAttempts; retry++) {
            total = total.plus(delayBeforeRetry(retry, Math.nextDown(1.0)));
        }
        return total;
    }
}

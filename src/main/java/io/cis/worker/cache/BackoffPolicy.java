package io.cis.worker.cache;

import java.time.Duration;

/**
 * Exponential backoff with "equal jitter" and a bounded number of attempts. Pure: the random part is passed in, so
 * the delays are testable without servers or sleeping.
 *
 * <p>Equal jitter (half fixed, half random) rather than full jitter: with few attempts, full jitter can draw several
 * near-zero waits in a row and give up before throttling has eased.
 */
public final class BackoffPolicy {

    private final int maxAttempts;
    private final Duration initialDelay;
    private final Duration maxDelay;

    /**
     * @param maxAttempts  total calls allowed, the first one included (1 means no retry)
     * @param initialDelay upper bound of the wait before the first retry
     * @param maxDelay     cap on any single wait
     */
    public BackoffPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new IllegalArgumentException("initialDelay must be positive, was " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " is below initialDelay " + initialDelay);
        }
        this.maxAttempts = maxAttempts;
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
    }

    /** 6 attempts, 50 ms doubling up to 2 s: at most about 1.6 s of waiting per batch call. */
    public static BackoffPolicy defaults() {
        return new BackoffPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(2));
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether another call may be made after {@code attemptsMade} calls. */
    public boolean allowsRetryAfter(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }

    /**
     * The wait before retry number {@code retry} (1 for the first retry): the capped exponential step
     * {@code min(maxDelay, initialDelay * 2^(retry-1))}, half of it fixed and half scaled by {@code jitter}.
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
        long capMillis = maxDelay.toMillis();
        // Doubling stops at the cap, so large retry numbers cannot overflow the way 2^(retry-1) would.
        long stepMillis = initialDelay.toMillis();
        for (int i = 1; i < retry && stepMillis < capMillis; i++) {
            stepMillis *= 2;
        }
        stepMillis = Math.min(stepMillis, capMillis);
        long half = stepMillis / 2;
        return Duration.ofMillis(stepMillis - half + (long) (half * jitter));
    }
}

package io.cis.worker.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofMillis(1000));

    @Test
    void waitsDoubleFromTheInitialBackoffUpToTheCap() {
        // jitter 0: the fixed half of each step; jitter just below 1: the whole step.
        assertEquals(Duration.ofMillis(100), policy.delayBeforeRetry(1, 0.0));
        assertEquals(Duration.ofMillis(200), policy.delayBeforeRetry(2, 0.0));
        assertEquals(Duration.ofMillis(400), policy.delayBeforeRetry(3, 0.0));
        assertEquals(Duration.ofMillis(500), policy.delayBeforeRetry(4, 0.0)); // step capped at 1000
        assertEquals(Duration.ofMillis(500), policy.delayBeforeRetry(50, 0.0)); // no overflow far beyond the cap

        assertEquals(Duration.ofMillis(199), policy.delayBeforeRetry(1, Math.nextDown(1.0)));
        assertEquals(Duration.ofMillis(999), policy.delayBeforeRetry(4, Math.nextDown(1.0)));
        assertEquals(Duration.ofMillis(300), policy.delayBeforeRetry(2, 0.5));
    }

    @Test
    void jitterStaysWithinTheUpperHalfOfTheStep() {
        for (int retry = 1; retry <= 6; retry++) {
            long step = Math.min(1000, 200L << (retry - 1));
            for (double jitter = 0.0; jitter < 1.0; jitter += 0.1) {
                long wait = policy.delayBeforeRetry(retry, jitter).toMillis();
                assertTrue(wait >= step / 2 && wait <= step, "retry " + retry + " jitter " + jitter + ": " + wait);
            }
        }
    }

    @Test
    void attemptsAreBoundedAndIncludeTheFirstCall() {
        assertTrue(policy.allowsRetryAfter(1));
        assertTrue(policy.allowsRetryAfter(4));
        assertFalse(policy.allowsRetryAfter(5));
        RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1));
        assertFalse(once.allowsRetryAfter(1));
        assertEquals(Duration.ZERO, once.longestTotalWait());
    }

    @Test
    void longestTotalWaitAddsTheFullSteps() {
        // 199 + 399 + 799 + 999
        assertEquals(Duration.ofMillis(2396), policy.longestTotalWait());
    }

    @Test
    void theDefaultSettingsGiveAFewSecondsOfPatience() {
        RetryPolicy defaults = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10));
        assertEquals(5, defaults.maxAttempts());
        assertEquals(Duration.ofMillis(199 + 399 + 799 + 1599), defaults.longestTotalWait());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, Duration.ZERO, Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(5)));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(1, -0.1));
    }
}

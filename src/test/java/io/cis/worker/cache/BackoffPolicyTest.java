package io.cis.worker.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffPolicyTest {

    private final BackoffPolicy policy = new BackoffPolicy(5, Duration.ofMillis(100), Duration.ofMillis(500));

    @Test
    void stepDoublesFromInitialDelayUpToTheCap() {
        // With jitter at its top end the wait approaches the full step: 100, 200, 400, then capped at 500.
        assertEquals(Duration.ofMillis(99), policy.delayBeforeRetry(1, 0.999));
        assertEquals(Duration.ofMillis(199), policy.delayBeforeRetry(2, 0.999));
        assertEquals(Duration.ofMillis(399), policy.delayBeforeRetry(3, 0.999));
        assertEquals(Duration.ofMillis(499), policy.delayBeforeRetry(4, 0.999));
        assertEquals(Duration.ofMillis(499), policy.delayBeforeRetry(60, 0.999));
    }

    @Test
    void halfOfEachStepIsFixedSoJitterNeverShortensTheWaitBelowIt() {
        assertEquals(Duration.ofMillis(50), policy.delayBeforeRetry(1, 0.0));
        assertEquals(Duration.ofMillis(100), policy.delayBeforeRetry(2, 0.0));
        assertEquals(Duration.ofMillis(250), policy.delayBeforeRetry(9, 0.0));
        assertEquals(Duration.ofMillis(150), policy.delayBeforeRetry(2, 0.5));
    }

    @Test
    void hugeRetryNumbersDoNotOverflow() {
        BackoffPolicy wide = new BackoffPolicy(3, Duration.ofMillis(1), Duration.ofDays(365));
        assertEquals(Duration.ofDays(365).toMillis(), wide.delayBeforeRetry(Integer.MAX_VALUE, 0.999999).toMillis(),
                Duration.ofDays(365).toMillis() / 1000.0);
    }

    @Test
    void attemptsAreBounded() {
        assertTrue(policy.allowsRetryAfter(1));
        assertTrue(policy.allowsRetryAfter(4));
        assertFalse(policy.allowsRetryAfter(5));
        assertFalse(new BackoffPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)).allowsRetryAfter(1));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new BackoffPolicy(0, Duration.ofMillis(1),
                Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new BackoffPolicy(2, Duration.ZERO, Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new BackoffPolicy(2, Duration.ofMillis(10),
                Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(1, Double.NaN));
    }
}

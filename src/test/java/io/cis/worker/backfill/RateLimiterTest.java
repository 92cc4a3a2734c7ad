package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void unlimitedNeverWaits() {
        RateLimiter limiter = new RateLimiter(0);
        assertTrue(limiter.isUnlimited());
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, limiter.reserve(5));
        }
    }

    @Test
    void spacesPermitsEvenlyWithoutABurst() {
        RateLimiter limiter = new RateLimiter(4); // one permit per 250 ms
        long now = 10 * SECOND;
        assertEquals(0, limiter.reserve(now));
        assertEquals(SECOND / 4, limiter.reserve(now));
        assertEquals(SECOND / 2, limiter.reserve(now));
        // The caller waited for its permit; the next one is another interval later.
        assertEquals(SECOND / 4, limiter.reserve(now + SECOND / 2));
    }

    @Test
    void idleTimeIsNotSavedUpForABurst() {
        RateLimiter limiter = new RateLimiter(2);
        long now = 0;
        limiter.reserve(now);
        now += 60 * SECOND; // a long pause
        assertEquals(0, limiter.reserve(now));
        assertEquals(SECOND / 2, limiter.reserve(now), "the second permit after the pause still waits its interval");
    }

    @Test
    void fractionalRatesWork() {
        RateLimiter limiter = new RateLimiter(0.5);
        limiter.reserve(0);
        assertEquals(2 * SECOND, limiter.reserve(0));
    }
}

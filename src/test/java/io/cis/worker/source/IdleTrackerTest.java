package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cis.worker.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The idle exit's clock: it runs only while every look finds nothing in the worker and nothing in the queue. */
class IdleTrackerTest {

    private static final Optional<QueueCounts> EMPTY = Optional.of(new QueueCounts(0, 0, 0));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final IdleTracker idle = new IdleTracker(clock);

    @Test
    void anEmptyQueueCountsFromTheStart() {
        clock.advance(Duration.ofSeconds(3));
        assertEquals(Duration.ofSeconds(3), idle.idleFor(EMPTY));
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(5), idle.idleFor(EMPTY));
    }

    @Test
    void aMessageWaitingOutItsVisibilityTimeoutBeforeARetryIsNotIdle() {
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Duration.ZERO, idle.idleFor(Optional.of(new QueueCounts(0, 0, 1))));
        clock.advance(Duration.ofSeconds(30)); // still invisible: the whole time counts as busy
        assertEquals(Duration.ZERO, idle.idleFor(Optional.of(new QueueCounts(0, 0, 1))));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), idle.idleFor(EMPTY), "the window starts at the last busy look");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(3), idle.idleFor(EMPTY));
    }

    @Test
    void visibleAndDelayedMessagesAreNotIdleEither() {
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Duration.ZERO, idle.idleFor(Optional.of(new QueueCounts(1, 0, 0))));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Duration.ZERO, idle.idleFor(Optional.of(new QueueCounts(0, 1, 0))));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), idle.idleFor(EMPTY));
    }

    @Test
    void countsThatCannotBeReadAreNotIdle() {
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Duration.ZERO, idle.idleFor(Optional.empty()));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), idle.idleFor(EMPTY));
    }

    @Test
    void receivedMessagesAndABusyWorkerRestartTheWindow() {
        clock.advance(Duration.ofSeconds(10));
        idle.received(0);
        assertEquals(Duration.ofSeconds(10), idle.idleFor(EMPTY), "an empty receive is no work");
        idle.received(2);
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), idle.idleFor(EMPTY));
        idle.busy();
        assertEquals(Duration.ZERO, idle.idleFor(EMPTY));
    }
}

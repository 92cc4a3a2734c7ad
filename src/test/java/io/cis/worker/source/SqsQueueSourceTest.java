package io.cis.worker.source;

import io.cis.worker.core.ReceiveGate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.cis.worker.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/** The source's stop (no receive left open when it returns) and its idle exit decision. */
class SqsQueueSourceTest {

    private static final String QUEUE = "http://sqs/q";
    private final SqsClient sqs = mock(SqsClient.class);
    private final InFlightRegistry registry = new InFlightRegistry(10);
    private final SqsBatchOperations operations = new SqsBatchOperations(sqs, QUEUE);

    private SqsQueueSource source(Clock clock, Supplier<QueueCounts> queueCounts, Duration receiveBound) {
        return source(clock, queueCounts, receiveBound, (message, body, sentAt) -> { });
    }

    private SqsQueueSource source(Clock clock, Supplier<QueueCounts> queueCounts, Duration receiveBound,
                                  ReceivedMessageHandler handler) {
        IdleTracker idle = new IdleTracker(clock);
        SqsPoller poller = new SqsPoller(sqs, operations, QUEUE, 10, 20, 30, registry, handler,
                clock, idle, ReceiveGate.ALWAYS_OPEN);
        return new SqsQueueSource(registry, operations, List.of(poller), new MessageSettler(registry, operations), null,
                idle, queueCounts, receiveBound);
    }

    @Test
    @SuppressWarnings("unchecked")
    void closeReturnsOnlyAfterTheOpenReceiveFinishedAndItsMessagesWereHandedBack() throws Exception {
        CountDownLatch inReceive = new CountDownLatch(1);
        when(sqs.receiveMessage(any(Consumer.class))).thenAnswer(call -> {
            inReceive.countDown();
            Thread.sleep(1_500); // the long poll still open at SQS when the stop comes
            return ReceiveMessageResponse.builder().messages(message("late")).build();
        });
        when(sqs.changeMessageVisibilityBatch(any(Consumer.class)))
                .thenReturn(ChangeMessageVisibilityBatchResponse.builder().build());
        SqsQueueSource source = source(Clock.systemUTC(), () -> new QueueCounts(0, 0, 0), Duration.ofSeconds(10));
        source.start();
        assertTrue(inReceive.await(5, TimeUnit.SECONDS));

        long closing = System.nanoTime();
        source.close();
        long closeMillis = (System.nanoTime() - closing) / 1_000_000;

        assertTrue(closeMillis >= 1_000, "close waited for the receive, " + closeMillis + " ms");
        verify(sqs).changeMessageVisibilityBatch(any(Consumer.class)); // the late message is visible again
        verify(sqs).receiveMessage(any(Consumer.class)); // and no receive started after the stop
        assertEquals(0, registry.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void awaitReceivesFinishedIsBoundedByTheLongestReceive() throws Exception {
        CountDownLatch inReceive = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        when(sqs.receiveMessage(any(Consumer.class))).thenAnswer(call -> {
            inReceive.countDown();
            never.await(); // a receive that hangs past every timeout
            return ReceiveMessageResponse.builder().build();
        });
        SqsQueueSource source = source(Clock.systemUTC(), () -> new QueueCounts(0, 0, 0), Duration.ZERO);
        source.start();
        assertTrue(inReceive.await(5, TimeUnit.SECONDS));
        source.stopReceiving();
        long waiting = System.nanoTime();
        assertFalse(source.awaitReceivesFinished());
        long waitedMillis = (System.nanoTime() - waiting) / 1_000_000;
        assertTrue(waitedMillis >= 4_500 && waitedMillis < 8_000, "waited the bound plus the hand-back time: " + waitedMillis);
        never.countDown();
        source.close();
    }

    @Test
    void idleOnlyWhileNothingIsInsideAndTheQueueIsEmpty() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        AtomicInteger asked = new AtomicInteger();
        QueueCounts[] counts = {new QueueCounts(0, 0, 0)};
        SqsQueueSource source = source(clock, () -> {
            asked.incrementAndGet();
            return counts[0];
        }, Duration.ofSeconds(1));

        clock.advance(Duration.ofSeconds(5));
        assertEquals(Duration.ofSeconds(5), source.idleFor(0));
        assertEquals(1, asked.get());

        assertEquals(Duration.ZERO, source.idleFor(3), "items inside the pipeline");
        assertEquals(1, asked.get(), "the queue is not asked while the worker is busy");
        registry.add(new InFlightMessage("m", "rh", 1, 0, 30_000));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(Duration.ZERO, source.idleFor(0), "a message in flight in this worker");
        registry.remove(registry.inFlight().iterator().next());

        counts[0] = new QueueCounts(0, 0, 1); // left for redelivery: invisible until its visibility timeout
        clock.advance(Duration.ofSeconds(5));
        assertEquals(Duration.ZERO, source.idleFor(0));
        counts[0] = new QueueCounts(0, 0, 0);
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(2), source.idleFor(0));
    }

    @Test
    void queueCountsThatCannotBeReadAreNotIdle() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        SqsQueueSource source = source(clock, () -> {
            throw new IllegalStateException("SQS unreachable");
        }, Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(60));
        assertEquals(Duration.ZERO, source.idleFor(0));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPollerKilledByAnOutOfMemoryErrorIsReportedAndHandsBackTheRestOfItsReceive() throws Exception {
        when(sqs.receiveMessage(any(Consumer.class)))
                .thenReturn(ReceiveMessageResponse.builder().messages(message("m1"), message("m2")).build())
                .thenReturn(ReceiveMessageResponse.builder().build());
        when(sqs.changeMessageVisibilityBatch(any(Consumer.class)))
                .thenReturn(ChangeMessageVisibilityBatchResponse.builder().build());
        SqsQueueSource source = source(Clock.systemUTC(), () -> new QueueCounts(0, 0, 0), Duration.ofSeconds(1),
                (message, body, sentAt) -> {
                    throw new OutOfMemoryError("native allocation failed");
                });
        List<String> died = new java.util.concurrent.CopyOnWriteArrayList<>();
        source.onThreadDied(died::add);
        source.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (died.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        source.close();

        assertEquals(List.of("sqs-poller-0: java.lang.OutOfMemoryError: native allocation failed"), died);
        assertEquals(0, registry.size(), "m1 forgotten, m2 handed back: nothing left in flight");
        verify(sqs).changeMessageVisibilityBatch(any(Consumer.class)); // m2, visible again at once
    }

    private static Message message(String id) {
        return Message.builder().messageId(id).receiptHandle("rh-" + id).body("{}").build();
    }
}

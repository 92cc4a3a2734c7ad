package io.cis.worker.source;

import io.cis.worker.core.ReceiveGate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** Stopping a poller: a receive in progress is never cut off (its messages would vanish until their visibility ends). */
class SqsPollerTest {

    private final SqsClient sqs = mock(SqsClient.class);
    private final InFlightRegistry registry = new InFlightRegistry(10);
    private final AtomicBoolean handled = new AtomicBoolean();

    private SqsPoller poller(ReceivedMessageHandler handler, ReceiveGate gate) {
        return new SqsPoller(sqs, new SqsBatchOperations(sqs, "http://sqs/q"), "http://sqs/q", 10, 20, 30, registry,
                handler, Clock.systemUTC(), new IdleTracker(Clock.systemUTC()), gate);
    }

    @Test
    @SuppressWarnings("unchecked")
    void messagesArrivingAfterTheStopAreHandedBackNotProcessed() throws Exception {
        CountDownLatch inReceive = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        AtomicReference<Boolean> interruptedDuringReceive = new AtomicReference<>();
        when(sqs.receiveMessage(any(Consumer.class))).thenAnswer(call -> {
            inReceive.countDown();
            answer.await(5, TimeUnit.SECONDS);
            interruptedDuringReceive.set(Thread.currentThread().isInterrupted());
            return ReceiveMessageResponse.builder().messages(message("m1"), message("m2")).build();
        }).thenReturn(ReceiveMessageResponse.builder().build());
        when(sqs.changeMessageVisibilityBatch(any(Consumer.class)))
                .thenReturn(ChangeMessageVisibilityBatchResponse.builder().build());

        SqsPoller poller = poller((message, body, sentAt) -> handled.set(true), ReceiveGate.ALWAYS_OPEN);
        Thread thread = new Thread(poller);
        thread.start();
        assertTrue(inReceive.await(5, TimeUnit.SECONDS));
        poller.stop();
        answer.countDown();
        thread.join(5_000);

        assertFalse(thread.isAlive());
        assertEquals(Boolean.FALSE, interruptedDuringReceive.get(), "the receive was not interrupted");
        assertFalse(handled.get(), "nothing processed after the stop");
        assertEquals(0, registry.size());
        assertHandedBack("rh-m1", "rh-m2");
        // every permit is back
        assertEquals(10, registry.acquireUpTo(10, 0, TimeUnit.MILLISECONDS));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStopWhileThePipelineIsFullHandsBackWhatItHadNoRoomFor() throws Exception {
        when(sqs.receiveMessage(any(Consumer.class)))
                .thenReturn(ReceiveMessageResponse.builder().messages(message("m1"), message("m2")).build())
                .thenReturn(ReceiveMessageResponse.builder().build());
        AtomicReference<Boolean> interruptedDuringHandBack = new AtomicReference<>();
        when(sqs.changeMessageVisibilityBatch(any(Consumer.class))).thenAnswer(call -> {
            // the SDK throws AbortedException when called on an interrupted thread
            interruptedDuringHandBack.set(Thread.currentThread().isInterrupted());
            return ChangeMessageVisibilityBatchResponse.builder().build();
        });
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        AtomicInteger handedOver = new AtomicInteger();
        SqsPoller poller = poller((message, body, sentAt) -> {
            handedOver.incrementAndGet();
            blocked.countDown();
            try {
                Thread.sleep(60_000); // a full pipeline
            } catch (InterruptedException e) {
                released.countDown();
                Thread.currentThread().interrupt();
            }
        }, ReceiveGate.ALWAYS_OPEN);
        Thread thread = new Thread(poller);
        thread.start();
        assertTrue(blocked.await(5, TimeUnit.SECONDS));
        poller.stop();
        assertTrue(released.await(5, TimeUnit.SECONDS), "interrupted out of the wait");
        thread.join(5_000);

        assertFalse(thread.isAlive());
        assertEquals(1, handedOver.get(), "m2 is not offered to the pipeline after the stop");
        assertEquals(0, registry.size(), "neither waits in flight for the drain's grace to end");
        assertHandedBack("rh-m1", "rh-m2");
        assertEquals(Boolean.FALSE, interruptedDuringHandBack.get(), "the SDK call is not made on an interrupted thread");
        assertEquals(10, registry.acquireUpTo(10, 0, TimeUnit.MILLISECONDS), "every permit is back");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aClosedGateStopsReceiving() throws Exception {
        SqsPoller poller = poller((message, body, sentAt) -> handled.set(true), (timeout, unit) -> {
            unit.sleep(timeout);
            return false;
        });
        Thread thread = new Thread(poller);
        thread.start();
        Thread.sleep(300);
        poller.stop();
        thread.join(5_000);
        assertFalse(thread.isAlive());
        verify(sqs, never()).receiveMessage(any(Consumer.class));
        verify(sqs, never()).receiveMessage(any(ReceiveMessageRequest.class));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aReceiveThatFailsAfterTheStopIsNotRetried() throws Exception {
        CountDownLatch inReceive = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        when(sqs.receiveMessage(any(Consumer.class))).thenAnswer(call -> {
            inReceive.countDown();
            answer.await(5, TimeUnit.SECONDS);
            throw SqsException.builder().statusCode(503).message("Service Unavailable").build();
        });
        SqsPoller poller = poller((message, body, sentAt) -> handled.set(true), ReceiveGate.ALWAYS_OPEN);
        Thread thread = new Thread(poller);
        thread.start();
        assertTrue(inReceive.await(5, TimeUnit.SECONDS));
        poller.stop();
        long answered = System.nanoTime();
        answer.countDown();
        thread.join(5_000);

        assertFalse(thread.isAlive());
        assertTrue(System.nanoTime() - answered < TimeUnit.MILLISECONDS.toNanos(400), "no backoff after the stop");
        verify(sqs, times(1)).receiveMessage(any(Consumer.class));
        assertEquals(10, registry.acquireUpTo(10, 0, TimeUnit.MILLISECONDS), "every permit is back");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aHandlerThatThrowsStrandsNeitherTheRestOfTheReceiveNorItsOwnMessage() throws Exception {
        when(sqs.receiveMessage(any(Consumer.class)))
                .thenReturn(ReceiveMessageResponse.builder().messages(message("m1"), message("m2"), message("m3")).build())
                .thenReturn(ReceiveMessageResponse.builder().build());
        List<String> offered = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch lastOffered = new CountDownLatch(1);
        SqsPoller poller = poller((message, body, sentAt) -> {
            offered.add(message.messageId());
            switch (message.messageId()) {
                case "m1" -> throw new IllegalStateException("a bug in the handler");
                case "m2" -> throw new StackOverflowError();
                default -> {
                    message.expectItem(); // an item still in the pipeline: the message stays in flight
                    message.allItemsRegistered();
                    lastOffered.countDown();
                }
            }
        }, ReceiveGate.ALWAYS_OPEN);
        Thread thread = new Thread(poller);
        thread.start();
        assertTrue(lastOffered.await(5, TimeUnit.SECONDS), "m3 reached the handler; offered " + offered);
        verify(sqs, org.mockito.Mockito.timeout(5_000).atLeast(2)).receiveMessage(any(Consumer.class));
        assertTrue(thread.isAlive(), "the poller lives on");
        poller.stop();
        thread.join(5_000);

        assertEquals(List.of("m1", "m2", "m3"), offered);
        // m1 and m2 can never complete: forgotten (their permits free), they come back after their visibility timeout.
        assertEquals(List.of("m3"), registry.inFlight().stream().map(InFlightMessage::messageId).toList());
        assertEquals(9, registry.acquireUpTo(10, 0, TimeUnit.MILLISECONDS), "only m3 holds a permit");
    }

    @Test
    @SuppressWarnings("unchecked")
    void messagesHandedBackAfterTheStopAreHandedBackEvenWithTheStopsInterruptSet() throws Exception {
        AtomicReference<SqsPoller> poller = new AtomicReference<>();
        when(sqs.receiveMessage(any(Consumer.class))).thenAnswer(call -> {
            // The stop comes as the receive returns: running is false, and its interrupt lands just after.
            poller.get().stop();
            Thread.currentThread().interrupt();
            return ReceiveMessageResponse.builder().messages(message("m1")).build();
        });
        AtomicReference<Boolean> interruptedDuringHandBack = new AtomicReference<>();
        when(sqs.changeMessageVisibilityBatch(any(Consumer.class))).thenAnswer(call -> {
            // the SDK throws AbortedException when called on an interrupted thread
            interruptedDuringHandBack.set(Thread.currentThread().isInterrupted());
            return ChangeMessageVisibilityBatchResponse.builder().build();
        });
        poller.set(poller((message, body, sentAt) -> handled.set(true), ReceiveGate.ALWAYS_OPEN));
        Thread thread = new Thread(poller.get());
        thread.start();
        thread.join(5_000);

        assertFalse(thread.isAlive());
        assertFalse(handled.get());
        assertHandedBack("rh-m1");
        assertEquals(Boolean.FALSE, interruptedDuringHandBack.get(), "the SDK call is not made on an interrupted thread");
    }

    /** One ChangeMessageVisibilityBatch with these receipt handles, all at visibility 0. */
    @SuppressWarnings("unchecked")
    private void assertHandedBack(String... receiptHandles) {
        ArgumentCaptor<Consumer<ChangeMessageVisibilityBatchRequest.Builder>> handBack = ArgumentCaptor.forClass(Consumer.class);
        verify(sqs).changeMessageVisibilityBatch(handBack.capture());
        ChangeMessageVisibilityBatchRequest.Builder request = ChangeMessageVisibilityBatchRequest.builder();
        handBack.getValue().accept(request);
        assertEquals(List.of(receiptHandles), request.build().entries().stream().map(e -> e.receiptHandle()).toList());
        assertTrue(request.build().entries().stream().allMatch(e -> e.visibilityTimeout() == 0));
    }

    private static Message message(String id) {
        return Message.builder().messageId(id).receiptHandle("rh-" + id).body("{}").build();
    }
}

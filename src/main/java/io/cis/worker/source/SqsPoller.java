package io.cis.worker.source;

import io.cis.worker.core.Reason;
import io.cis.worker.core.ReceiveGate;

import io.cis.worker.ops.FailureReasons;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * One long-polling receiver. It asks for no more messages than the pipeline has room for, so a full pipeline
 * stops it receiving rather than piling messages up in memory.
 *
 * <p>Stopping never strands a message. A ReceiveMessage cut off on our side (interrupt, closed client) stays open
 * at SQS, and SQS hands the next message to it: that message is then in flight with nobody to process it until its
 * visibility timeout ends. So a receive in progress is always allowed to finish (within SQS_WAIT_TIME_SECONDS),
 * what it returns after the stop is handed back with visibility 0, and no receive starts after the stop: the
 * receiving client must not retry on its own (this class retries, after checking for a stop).
 */
public final class SqsPoller implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SqsPoller.class);

    private final SqsClient receiver;
    private final SqsBatchOperations operations;
    private final String queueUrl;
    private final int maxMessages;
    private final int waitTimeSeconds;
    private final int visibilityTimeoutSeconds;
    private final InFlightRegistry registry;
    private final ReceivedMessageHandler handler;
    private final Clock clock;
    private final IdleTracker idle;
    private final ReceiveGate gate;
    private volatile boolean running = true;
    private final Object receiveLock = new Object();
    private boolean receiving; // guarded by receiveLock
    private Thread thread; // guarded by receiveLock

    /**
     * @param receiver   the client to receive with; it must not retry a failed receive itself (see above)
     * @param operations for handing back what a receive returns after the stop
     * @param gate       closed while a service every message needs is down: nothing is received then
     */
    public SqsPoller(SqsClient receiver, SqsBatchOperations operations, String queueUrl, int maxMessages,
                     int waitTimeSeconds, int visibilityTimeoutSeconds, InFlightRegistry registry,
                     ReceivedMessageHandler handler, Clock clock, IdleTracker idle, ReceiveGate gate) {
        this.receiver = receiver;
        this.operations = operations;
        this.queueUrl = queueUrl;
        this.maxMessages = maxMessages;
        this.waitTimeSeconds = waitTimeSeconds;
        this.visibilityTimeoutSeconds = visibilityTimeoutSeconds;
        this.registry = registry;
        this.handler = handler;
        this.clock = clock;
        this.idle = idle;
        this.gate = gate;
    }

    /**
     * Stops after the current step. A poller waiting for a ReceiveMessage answer is not interrupted: SQS has already
     * hidden the messages it is about to return, and cutting the answer off would leave them invisible until their
     * visibility timeout ends; they are handed back (visibility 0) as soon as they arrive instead. A poller waiting
     * anywhere else (for permits, for room in a full pipeline) is interrupted.
     */
    public void stop() {
        synchronized (receiveLock) {
            running = false;
            if (thread != null && !receiving) {
                thread.interrupt();
            }
        }
    }

    @Override
    public void run() {
        synchronized (receiveLock) {
            thread = Thread.currentThread();
        }
        long backoffMillis = 0;
        while (running && !Thread.currentThread().isInterrupted()) {
            int permits = 0;
            try {
                if (!gate.awaitOpen(1, TimeUnit.SECONDS)) {
                    idle.busy(); // paused for an outage, with work likely waiting: not idle
                    continue;
                }
                permits = registry.acquireUpTo(maxMessages, 1, TimeUnit.SECONDS);
                if (permits == 0 || !running) {
                    continue;
                }
                List<Message> messages = receiveUnlessStopped(permits);
                if (!running) {
                    handBack(messages);
                    continue;
                }
                registry.release(permits - messages.size());
                permits = 0;
                idle.received(messages.size());
                handOver(messages);
                backoffMillis = 0;
            } catch (InterruptedException | AbortedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!running) {
                    continue; // stopped during the failed receive: nothing to retry
                }
                backoffMillis = Math.min(20_000, Math.max(500, backoffMillis * 2));
                log.warn("receive failed, retrying", kv("queue_url", queueUrl),
                        kv("reason", FailureReasons.ofSqsCall(e).code()), kv("detail", e.toString()),
                        kv("retry_in_ms", backoffMillis));
                sleepQuietly(backoffMillis);
            } finally {
                registry.release(permits);
            }
        }
    }

    /** Receives, unless stopped first; the receive itself is never interrupted by {@link #stop}. */
    private List<Message> receiveUnlessStopped(int count) {
        synchronized (receiveLock) {
            if (!running) {
                return List.of();
            }
            receiving = true;
        }
        try {
            return receive(count);
        } finally {
            synchronized (receiveLock) {
                receiving = false;
            }
        }
    }

    /** Messages that arrived after the stop: visible again at once, for another worker or our restart. */
    private void handBack(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        handBackNow(messages.stream().map(this::inFlight).toList());
        log.info("handed back messages received after the stop", kv("messages", messages.size()));
    }

    private List<Message> receive(int count) {
        return receiver.receiveMessage(b -> b.queueUrl(queueUrl)
                .maxNumberOfMessages(count)
                .waitTimeSeconds(waitTimeSeconds)
                .visibilityTimeout(visibilityTimeoutSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP))
                .messages();
    }

    /**
     * Hands the messages to the pipeline, one by one; each holds its permit from here on. A stop while the pipeline
     * is full interrupts the hand-over: the message cut short and the ones not yet handed over are handed back at
     * once, instead of sitting in flight, unable to finish, until the drain's grace period ends.
     */
    private void handOver(List<Message> messages) {
        List<InFlightMessage> received = messages.stream().map(this::inFlight).toList();
        received.forEach(registry::add);
        for (int i = 0; i < received.size(); i++) {
            InFlightMessage inFlight = received.get(i);
            Message message = messages.get(i);
            if (inFlight.receiveCount() > 1) {
                log.info("message redelivered", kv("message_id", message.messageId()),
                        kv("receive_count", inFlight.receiveCount()));
            }
            long sentAt = parseOr(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP),
                    inFlight.receivedAtMillis());
            try {
                handler.handle(inFlight, message.body(), sentAt);
            } catch (RuntimeException | Error e) {
                // One message's failure never strands the rest of the receive.
                handlerFailed(inFlight, e);
                if (e instanceof OutOfMemoryError) {
                    // Let it end the process (ExitOnOutOfMemoryError's intent), the rest handed back first.
                    handBackNotHandedOver(new ArrayList<>(received.subList(i + 1, received.size())));
                    throw e;
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                List<InFlightMessage> notHandedOver = new ArrayList<>(received.subList(i + 1, received.size()));
                if (!inFlight.registrationComplete()) {
                    notHandedOver.add(0, inFlight);
                }
                handBackNotHandedOver(notHandedOver);
                return;
            }
        }
    }

    /**
     * After a handler threw (a bug, an Error while parsing): if the message never announced all its items it can
     * never complete, so it is forgotten (its permit freed, no more heartbeat) and comes back when its visibility
     * timeout ends, like any transient failure.
     */
    private void handlerFailed(InFlightMessage inFlight, Throwable failure) {
        log.error("message handling failed, left for redelivery", kv("message_id", inFlight.messageId()),
                kv("receive_count", inFlight.receiveCount()), kv("reason", Reason.INTERNAL_ERROR.code()),
                kv("detail", failure.toString()), failure);
        if (!inFlight.registrationComplete()) {
            registry.remove(inFlight);
        }
    }

    private void handBackNotHandedOver(List<InFlightMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        messages.forEach(registry::remove);
        handBackNow(messages);
        log.info("handed back messages the full pipeline had no room for at the stop", kv("messages", messages.size()));
    }

    /**
     * The stop's interrupt may be set on this thread (it lands whenever the poller is not inside a receive), and the
     * SDK refuses to start a call on an interrupted thread (AbortedException): clear it for the hand-back, then
     * restore it.
     */
    private void handBackNow(List<InFlightMessage> messages) {
        boolean interrupted = Thread.interrupted();
        try {
            operations.handBack(messages);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private InFlightMessage inFlight(Message message) {
        int receiveCount = parseOr(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT), 1);
        long now = clock.millis();
        return new InFlightMessage(message.messageId(), message.receiptHandle(), receiveCount, now,
                now + visibilityTimeoutSeconds * 1000L);
    }

    private static long parseOr(String value, long fallback) {
        try {
            return value == null ? fallback : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static int parseOr(String value, int fallback) {
        return (int) parseOr(value, (long) fallback);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.cis.worker.source;

/** Turns a received message into work; it must eventually settle every item it announces on the message. */
@FunctionalInterface
public interface ReceivedMessageHandler {
    void handle(InFlightMessage message, String body, long sentAtMillis);
}

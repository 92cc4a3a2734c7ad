package io.cis.worker.source;

import io.cis.worker.core.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * One received SQS message until all of its records have an outcome. It is deleted only if every outcome is
 * final; one transient failure sends the whole message back (reprocessing the others is harmless).
 */
public final class InFlightMessage {

    private final String messageId;
    private final String receiptHandle;
    private final int receiveCount;
    private final long receivedAtMillis;
    private int pendingItems;
    private boolean allItemsRegistered;
    private final List<Outcome> outcomes = new ArrayList<>();
    private long visibleUntilMillis;
    private boolean done;

    public InFlightMessage(String messageId, String receiptHandle, int receiveCount, long receivedAtMillis,
                           long visibleUntilMillis) {
        this.messageId = messageId;
        this.receiptHandle = receiptHandle;
        this.receiveCount = receiveCount;
        this.receivedAtMillis = receivedAtMillis;
        this.visibleUntilMillis = visibleUntilMillis;
    }

    public String messageId() {
        return messageId;
    }

    public String receiptHandle() {
        return receiptHandle;
    }

    public int receiveCount() {
        return receiveCount;
    }

    public long receivedAtMillis() {
        return receivedAtMillis;
    }

    /** Announces one more item to wait for; call before the item can possibly settle. */
    public synchronized void expectItem() {
        if (allItemsRegistered) {
            throw new IllegalStateException("message " + messageId + " already has all its items");
        }
        pendingItems++;
    }

    /** No more items will be announced; returns true if the message is already complete. */
    public synchronized boolean allItemsRegistered() {
        allItemsRegistered = true;
        return completeIfDone();
    }

    /** Whether {@link #allItemsRegistered} was called: false for a message whose hand-over a shutdown cut short. */
    public synchronized boolean registrationComplete() {
        return allItemsRegistered;
    }

    /** Records one item's outcome (or a message-level outcome); returns true exactly once, when the message is complete. */
    public synchronized boolean itemSettled(Outcome outcome) {
        outcomes.add(outcome);
        pendingItems--;
        return completeIfDone();
    }

    private boolean completeIfDone() {
        if (!done && allItemsRegistered && pendingItems <= 0) {
            done = true;
            return true;
        }
        return false;
    }

    /** Delete only when every outcome is final. */
    public synchronized boolean deletable() {
        return outcomes.stream().allMatch(Outcome::isFinal);
    }

    public synchronized List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /**
     * Why the message is kept for redelivery, for the {@code reason} log field: the code of its first transient
     * failure (a message usually has one item), or empty if it has none.
     */
    public synchronized String redeliveryReason() {
        return outcomes.stream().filter(o -> !o.isFinal()).findFirst().map(o -> o.reason().code()).orElse("");
    }

    /** Every distinct transient failure, {@code code: detail; ...}, for the {@code detail} log field. */
    public synchronized String redeliveryDetail() {
        return outcomes.stream().filter(o -> !o.isFinal()).map(Outcome::describe).distinct()
                .collect(java.util.stream.Collectors.joining("; "));
    }

    public synchronized boolean isDone() {
        return done;
    }

    public synchronized long visibleUntilMillis() {
        return visibleUntilMillis;
    }

    public synchronized void extendedUntil(long millis) {
        visibleUntilMillis = millis;
    }
}

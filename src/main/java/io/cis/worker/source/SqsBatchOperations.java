package io.cis.worker.source;

import io.cis.worker.core.Reason;
import io.cis.worker.ops.FailureReasons;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;

import static net.logstash.logback.argument.StructuredArguments.kv;

/** DeleteMessageBatch and ChangeMessageVisibilityBatch in groups of ten (the SQS limit). */
public final class SqsBatchOperations {

    public static final int SQS_BATCH_LIMIT = 10;
    private static final Logger log = LoggerFactory.getLogger(SqsBatchOperations.class);

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsBatchOperations(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** Deletes the messages; returns the ids that could not be deleted (they will simply be delivered again). */
    public List<String> delete(List<InFlightMessage> messages) {
        List<String> failed = new ArrayList<>();
        for (List<InFlightMessage> chunk : chunks(messages)) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(entryId(i)).receiptHandle(chunk.get(i).receiptHandle()).build());
            }
            try {
                List<BatchResultErrorEntry> errors = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)).failed();
                errors.forEach(e -> {
                    String messageId = chunk.get(Integer.parseInt(e.id())).messageId();
                    failed.add(messageId);
                    log.warn("delete failed", kv("message_id", messageId), kv("reason", Reason.SQS_ERROR.code()),
                            kv("detail", e.code() + ": " + e.message()));
                });
            } catch (RuntimeException e) {
                chunk.forEach(m -> failed.add(m.messageId()));
                log.warn("delete batch failed", kv("messages", chunk.size()),
                        kv("reason", FailureReasons.ofSqsCall(e).code()), kv("detail", e.toString()));
            }
        }
        return failed;
    }

    /** A message whose visibility SQS did not change: why (a reason code) and SQS's own words. */
    public record VisibilityFailure(InFlightMessage message, Reason reason, String detail) {
    }

    /**
     * Sets the visibility timeout of the messages (0 hands them back to the queue at once); returns those SQS did not
     * accept, entry by entry or a whole batch of ten, for the caller to log in its own words and retry or not.
     */
    public List<VisibilityFailure> changeVisibility(List<InFlightMessage> messages, int visibilitySeconds) {
        List<VisibilityFailure> failed = new ArrayList<>();
        for (List<InFlightMessage> chunk : chunks(messages)) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(entryId(i))
                        .receiptHandle(chunk.get(i).receiptHandle()).visibilityTimeout(visibilitySeconds).build());
            }
            try {
                sqs.changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl).entries(entries)).failed()
                        .forEach(e -> failed.add(new VisibilityFailure(chunk.get(Integer.parseInt(e.id())),
                                Reason.SQS_ERROR, e.code() + ": " + e.message())));
            } catch (RuntimeException e) {
                Reason reason = FailureReasons.ofSqsCall(e);
                chunk.forEach(m -> failed.add(new VisibilityFailure(m, reason, e.toString())));
            }
        }
        return failed;
    }

    /**
     * Makes the messages visible again at once, for another worker or our restart; logs those SQS refused (they turn
     * visible when their visibility timeout ends instead).
     */
    public void handBack(List<InFlightMessage> messages) {
        changeVisibility(messages, 0).forEach(f -> log.warn("hand-back failed, the message turns visible when its visibility timeout ends",
                kv("message_id", f.message().messageId()), kv("reason", f.reason().code()), kv("detail", f.detail())));
    }

    /**
     * Batch entry ids are positions, not message ids: after a redelivery the same message id can be in flight
     * twice, and SQS rejects a whole batch whose entry ids repeat.
     */
    private static String entryId(int position) {
        return Integer.toString(position);
    }

    private static List<List<InFlightMessage>> chunks(List<InFlightMessage> messages) {
        List<List<InFlightMessage>> chunks = new ArrayList<>();
        for (int i = 0; i < messages.size(); i += SQS_BATCH_LIMIT) {
            chunks.add(messages.subList(i, Math.min(messages.size(), i + SQS_BATCH_LIMIT)));
        }
        return chunks;
    }
}

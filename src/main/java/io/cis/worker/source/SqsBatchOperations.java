package io.cis.worker.source;

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

    static final int SQS_BATCH_LIMIT = 10;
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
            List<DeleteMessageBatchRequestEntry> entries = chunk.stream()
                    .map(m -> DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build())
                    .toList();
            try {
                List<BatchResultErrorEntry> errors = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)).failed();
                errors.forEach(e -> {
                    failed.add(e.id());
                    log.warn("delete failed", kv("message_id", e.id()), kv("reason", e.code() + ": " + e.message()));
                });
            } catch (RuntimeException e) {
                chunk.forEach(m -> failed.add(m.messageId()));
                log.warn("delete batch failed", kv("messages", chunk.size()), kv("reason", e.toString()));
            }
        }
        return failed;
    }

    /** Sets the visibility timeout of the messages (0 hands them back to the queue at once). */
    public void changeVisibility(List<InFlightMessage> messages, int visibilitySeconds) {
        for (List<InFlightMessage> chunk : chunks(messages)) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = chunk.stream()
                    .map(m -> ChangeMessageVisibilityBatchRequestEntry.builder()
                            .id(m.messageId()).receiptHandle(m.receiptHandle()).visibilityTimeout(visibilitySeconds).build())
                    .toList();
            try {
                sqs.changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl).entries(entries)).failed()
                        .forEach(e -> log.warn("visibility change failed", kv("message_id", e.id()),
                                kv("reason", e.code() + ": " + e.message())));
            } catch (RuntimeException e) {
                log.warn("visibility change batch failed", kv("messages", chunk.size()), kv("reason", e.toString()));
            }
        }
    }

    private static List<List<InFlightMessage>> chunks(List<InFlightMessage> messages) {
        List<List<InFlightMessage>> chunks = new ArrayList<>();
        for (int i = 0; i < messages.size(); i += SQS_BATCH_LIMIT) {
            chunks.add(messages.subList(i, Math.min(messages.size(), i + SQS_BATCH_LIMIT)));
        }
        return chunks;
    }
}

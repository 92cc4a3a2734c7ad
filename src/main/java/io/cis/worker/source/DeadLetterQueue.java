package io.cis.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.event.MessageParseException;
import io.cis.worker.event.NotificationParser;
import io.cis.worker.event.NotificationRecord;
import io.cis.worker.event.S3ObjectRef;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The dead-letter queue as an operator sees it: list what is in it, and move messages back to the main queue once
 * the cause is fixed (send a copy, then delete the original, so a failure in between duplicates, never loses).
 */
public final class DeadLetterQueue {

    /** One dead-lettered message; {@code s3Url} is the first record's object, or null if the body names none. */
    public record Entry(String messageId, int receiveCount, Instant sentAt, String s3Url, String bodyExcerpt) {
    }

    /** What a redrive did. */
    public record RedriveResult(int moved, int failed) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXCERPT_CHARS = 120;
    /** Long enough to list or move a batch; a listing makes its messages visible again when it is done. */
    private static final int HOLD_SECONDS = 60;

    private final SqsClient sqs;
    private final String queueUrl;
    private final String dlqUrl;
    private final NotificationParser parser = new NotificationParser();

    public DeadLetterQueue(SqsClient sqs, String queueUrl, String dlqUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.dlqUrl = dlqUrl;
    }

    public String url() {
        return dlqUrl;
    }

    /**
     * The DLQ named by the main queue's RedrivePolicy.
     *
     * @throws IllegalStateException if the queue has no redrive policy
     */
    public static String discoverUrl(SqsClient sqs, String queueUrl) {
        String policy = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.REDRIVE_POLICY))
                .attributes().get(QueueAttributeName.REDRIVE_POLICY);
        QueueArn arn = deadLetterTarget(policy);
        if (arn == null) {
            throw new IllegalStateException("queue " + queueUrl + " has no RedrivePolicy naming a dead-letter queue");
        }
        return sqs.getQueueUrl(b -> b.queueName(arn.name()).queueOwnerAWSAccountId(arn.account())).queueUrl();
    }

    /** The parts of an SQS queue ARN ({@code arn:aws:sqs:REGION:ACCOUNT:NAME}) needed to find its URL. */
    public record QueueArn(String region, String account, String name) {
    }

    /** The dead-letter target of a RedrivePolicy JSON, or null if there is none. Pure, for tests. */
    static QueueArn deadLetterTarget(String redrivePolicy) {
        if (redrivePolicy == null || redrivePolicy.isBlank()) {
            return null;
        }
        try {
            JsonNode target = JSON.readTree(redrivePolicy).path("deadLetterTargetArn");
            if (!target.isTextual()) {
                return null;
            }
            String[] parts = target.asText().split(":", 6);
            if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("sqs") || parts[5].isEmpty()) {
                throw new IllegalArgumentException("not an SQS queue ARN: " + target.asText());
            }
            return new QueueArn(parts[3], parts[4], parts[5]);
        } catch (IOException e) {
            throw new IllegalArgumentException("RedrivePolicy is not JSON: " + redrivePolicy, e);
        }
    }

    /** Up to {@code max} messages; they are held invisible while listing and made visible again at the end. */
    public List<Entry> list(int max) {
        List<Entry> entries = new ArrayList<>();
        List<Message> held = new ArrayList<>();
        try {
            while (entries.size() < max) {
                List<Message> messages = receive(Math.min(10, max - entries.size()));
                if (messages.isEmpty()) {
                    break;
                }
                held.addAll(messages);
                messages.forEach(m -> entries.add(entry(m)));
            }
        } finally {
            release(held);
        }
        return entries;
    }

    /** Moves up to {@code max} messages to the main queue: each is sent there, then deleted from the DLQ. */
    public RedriveResult redrive(int max) {
        int moved = 0;
        int failed = 0;
        while (moved + failed < max) {
            List<Message> messages = receive(Math.min(10, max - moved - failed));
            if (messages.isEmpty()) {
                break;
            }
            List<SendMessageBatchRequestEntry> copies = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                Message m = messages.get(i);
                copies.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(m.body())
                        .messageAttributes(m.messageAttributes()).build());
            }
            SendMessageBatchResponse sent = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(copies));
            List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
            sent.successful().forEach(ok -> {
                Message original = messages.get(Integer.parseInt(ok.id()));
                deletes.add(DeleteMessageBatchRequestEntry.builder().id(ok.id()).receiptHandle(original.receiptHandle()).build());
            });
            if (!deletes.isEmpty()) {
                sqs.deleteMessageBatch(b -> b.queueUrl(dlqUrl).entries(deletes));
            }
            moved += sent.successful().size();
            failed += sent.failed().size();
            List<Message> unsent = sent.failed().stream().map(f -> messages.get(Integer.parseInt(f.id()))).toList();
            release(unsent);
        }
        return new RedriveResult(moved, failed);
    }

    private List<Message> receive(int count) {
        return sqs.receiveMessage(b -> b.queueUrl(dlqUrl).maxNumberOfMessages(count).waitTimeSeconds(1)
                .visibilityTimeout(HOLD_SECONDS).messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
    }

    /** Makes held messages visible again at once. */
    private void release(List<Message> messages) {
        for (int from = 0; from < messages.size(); from += 10) {
            List<Message> chunk = messages.subList(from, Math.min(messages.size(), from + 10));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(chunk.get(i).receiptHandle()).visibilityTimeout(0).build());
            }
            sqs.changeMessageVisibilityBatch(b -> b.queueUrl(dlqUrl).entries(entries));
        }
    }

    private Entry entry(Message m) {
        Map<MessageSystemAttributeName, String> attributes = m.attributes();
        int receiveCount = parseInt(attributes.get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        String sent = attributes.get(MessageSystemAttributeName.SENT_TIMESTAMP);
        Instant sentAt = sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent));
        return new Entry(m.messageId(), receiveCount, sentAt, firstS3Url(m.body()), excerpt(m.body()));
    }

    String firstS3Url(String body) {
        try {
            NotificationRecord first = parser.parse(body).records().get(0);
            S3ObjectRef object = first instanceof NotificationRecord.ObjectCreated created ? created.object()
                    : ((NotificationRecord.Skipped) first).object();
            return object == null ? null : object.s3Url();
        } catch (MessageParseException | RuntimeException e) {
            return null;
        }
    }

    static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String oneLine = body.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= EXCERPT_CHARS ? oneLine : oneLine.substring(0, EXCERPT_CHARS) + "...";
    }

    private static int parseInt(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

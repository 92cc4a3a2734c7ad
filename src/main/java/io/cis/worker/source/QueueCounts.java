package io.cis.worker.source;

import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The queue's message counts as SQS reports them (GetQueueAttributes; approximate on SQS, exact on ElasticMQ):
 * visible (waiting to be received), delayed (sent with a delay), and not visible (received by some worker and not
 * yet deleted, including those waiting out their visibility timeout before a retry).
 */
public record QueueCounts(long visible, long delayed, long notVisible) {

    public static QueueCounts read(SqsClient sqs, String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return new QueueCounts(count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED),
                count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Nothing visible, delayed or in flight anywhere. */
    public boolean empty() {
        return visible == 0 && delayed == 0 && notVisible == 0;
    }

    /** -1 when SQS left the attribute out. */
    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        return Long.parseLong(attributes.getOrDefault(name, "-1"));
    }
}

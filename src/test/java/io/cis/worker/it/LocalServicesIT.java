package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.LocalStack;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Each local stand-in answers the SDK v2 calls the worker makes, the way the AWS service would. */
class LocalServicesIT {

    @Test
    void sqsSendReceiveDeleteAndDeadLetterMove() {
        try (SqsClient sqs = LocalStack.sqs()) {
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            String dlqUrl = sqs.createQueue(b -> b.queueName("it-dlq-" + suffix)).queueUrl();
            String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            String queueUrl = sqs.createQueue(b -> b.queueName("it-queue-" + suffix).attributes(Map.of(
                    QueueAttributeName.REDRIVE_POLICY, "{\"maxReceiveCount\":\"2\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}",
                    QueueAttributeName.VISIBILITY_TIMEOUT, "30"))).queueUrl();

            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("keep"));
            Message kept = receiveOne(sqs, queueUrl, 30);
            assertEquals("keep", kept.body());
            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(kept.receiptHandle()));

            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("poison"));
            Message first = receiveOne(sqs, queueUrl, 0);   // visibility 0: back at once, as after a failed attempt
            assertEquals("1", first.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
            Message second = receiveOne(sqs, queueUrl, 0);
            assertEquals("2", second.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
            // The third receive finds it over maxReceiveCount: it moves to the DLQ instead of being delivered.
            assertTrue(sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(1)).messages().isEmpty());
            Message deadLettered = receiveOne(sqs, dlqUrl, 30);
            assertEquals("poison", deadLettered.body());

            sqs.deleteQueue(b -> b.queueUrl(queueUrl));
            sqs.deleteQueue(b -> b.queueUrl(dlqUrl));
        }
    }

    private static Message receiveOne(SqsClient sqs, String queueUrl, int visibility) {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(5).visibilityTimeout(visibility)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        assertEquals(1, messages.size());
        return messages.get(0);
    }

    @Test
    void s3KeepsKeysWithSpacesAndUnicode() {
        try (S3Client s3 = LocalStack.s3()) {
            String bucket = "it-bucket-" + UUID.randomUUID().toString().substring(0, 8);
            s3.createBucket(b -> b.bucket(bucket));
            String key = "photos/Été 2024/chat + café (1).jpg";
            byte[] body = "bytes of a picture".getBytes(StandardCharsets.UTF_8);
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body));
            assertArrayEquals(body, s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
            assertEquals(List.of(key), s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(o -> o.key()).toList());
            s3.deleteObject(b -> b.bucket(bucket).key(key));
            s3.deleteBucket(b -> b.bucket(bucket));
        }
    }

    @Test
    void dynamoDbBatchWriteAndGet() {
        try (DynamoDbClient dynamo = LocalStack.dynamoDb()) {
            String table = LocalStack.require("EMBEDDING_CACHE_TABLE");
            List<WriteRequest> writes = List.of("it-a", "it-b", "it-c").stream()
                    .map(hash -> WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
                            "image_hash", AttributeValue.fromS(hash),
                            "dimension", AttributeValue.fromN("2"),
                            "embedding", AttributeValue.fromL(List.of(AttributeValue.fromN("0.6"), AttributeValue.fromN("0.8")))))
                            .build()).build())
                    .toList();
            dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, writes)));
            List<Map<String, AttributeValue>> keys = List.of("it-a", "it-b", "it-c", "it-missing").stream()
                    .map(hash -> Map.of("image_hash", AttributeValue.fromS(hash))).toList();
            List<Map<String, AttributeValue>> items = dynamo.batchGetItem(b -> b.requestItems(Map.of(table,
                    KeysAndAttributes.builder().keys(keys).build()))).responses().get(table);
            assertEquals(3, items.size());
            assertTrue(items.stream().allMatch(i -> i.get("embedding").l().size() == 2));
        }
    }
}

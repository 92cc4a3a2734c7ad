package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DeadLetterQueueTest {

    @Test
    void theTargetComesFromTheRedrivePolicy() {
        DeadLetterQueue.QueueArn arn = DeadLetterQueue.deadLetterTarget(
                "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:123456789012:cis-worker-dlq\",\"maxReceiveCount\":\"5\"}");
        assertEquals(new DeadLetterQueue.QueueArn("eu-west-1", "123456789012", "cis-worker-dlq"), arn);
    }

    @Test
    void noPolicyOrNoTargetMeansNoDeadLetterQueue() {
        assertNull(DeadLetterQueue.deadLetterTarget(null));
        assertNull(DeadLetterQueue.deadLetterTarget(""));
        assertNull(DeadLetterQueue.deadLetterTarget("{\"maxReceiveCount\":5}"));
    }

    @Test
    void aBrokenPolicyIsReportedNotGuessed() {
        assertThrows(IllegalArgumentException.class, () -> DeadLetterQueue.deadLetterTarget("{not json"));
        assertThrows(IllegalArgumentException.class,
                () -> DeadLetterQueue.deadLetterTarget("{\"deadLetterTargetArn\":\"arn:aws:sns:us-east-1:1:topic\"}"));
    }

    @Test
    void excerptsAreOneShortLine() {
        assertEquals("{ \"a\": 1 }", DeadLetterQueue.excerpt("{\n  \"a\": 1\n}"));
        assertEquals("x".repeat(120) + "...", DeadLetterQueue.excerpt("x".repeat(500)));
        assertEquals("", DeadLetterQueue.excerpt(null));
    }

    @Test
    void theFirstRecordsObjectIsShownIfTheBodyNamesOne() {
        DeadLetterQueue dlq = new DeadLetterQueue(null, "q", "dlq");
        assertEquals("s3://bucket/photos/a b.jpg", dlq.firstS3Url("{\"id\":\"doc-1\",\"s3_url\":\"s3://bucket/photos/a b.jpg\"}"));
        assertNull(dlq.firstS3Url("{not json"));
    }
}

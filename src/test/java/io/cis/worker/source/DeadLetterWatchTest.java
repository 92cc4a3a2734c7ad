package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class DeadLetterWatchTest {

    @Test
    void maxReceiveCountIsReadFromTheRedrivePolicyInEitherForm() {
        assertEquals(5, DeadLetterWatch.maxReceiveCount("{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:1:dlq\",\"maxReceiveCount\":5}"));
        assertEquals(3, DeadLetterWatch.maxReceiveCount("{\"maxReceiveCount\":\"3\",\"deadLetterTargetArn\":\"x\"}"));
        assertEquals(0, DeadLetterWatch.maxReceiveCount(null));
        assertEquals(0, DeadLetterWatch.maxReceiveCount("not json"));
        assertEquals(0, DeadLetterWatch.maxReceiveCount("{\"maxReceiveCount\":\"many\"}"));
    }

    @Test
    void countsOnlyMessagesWhoseLastReceiveWasTheLastOneAllowed() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        DeadLetterWatch watch = new DeadLetterWatch(5, metrics);
        watch.leftForRedelivery(failedMessage(4));
        assertEquals(0.0, metrics.counter(MetricNames.MESSAGES_DLQ_BOUND).count());
        watch.leftForRedelivery(failedMessage(5));
        watch.leftForRedelivery(failedMessage(7)); // maxReceiveCount lowered while it was in flight
        assertEquals(2.0, metrics.counter(MetricNames.MESSAGES_DLQ_BOUND).count());
    }

    @Test
    void withoutADeadLetterQueueNothingIsDeadLettered() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        new DeadLetterWatch(0, metrics).leftForRedelivery(failedMessage(50));
        assertEquals(0.0, metrics.counter(MetricNames.MESSAGES_DLQ_BOUND).count());
    }

    private static InFlightMessage failedMessage(int receiveCount) {
        InFlightMessage message = new InFlightMessage("m-" + receiveCount, "receipt", receiveCount, 0, 60_000);
        message.expectItem();
        message.allItemsRegistered();
        message.itemSettled(Outcome.transientFailure(Reason.INDEX_UNAVAILABLE, "503"));
        return message;
    }
}

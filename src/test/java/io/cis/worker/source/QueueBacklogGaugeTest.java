package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

class QueueBacklogGaugeTest {

    @Test
    @SuppressWarnings("unchecked")
    void gaugesFollowThePollsAndKeepTheLastValuesWhenAPollFails() {
        SqsClient sqs = mock(SqsClient.class);
        when(sqs.getQueueAttributes(any(Consumer.class)))
                .thenReturn(GetQueueAttributesResponse.builder().attributes(Map.of(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "1200",
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "64")).build())
                .thenThrow(SqsException.builder().message("throttled").build());
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        // A long interval: the first poll runs at once, the test drives the second one.
        try (QueueBacklogGauge gauge = new QueueBacklogGauge(sqs, "http://queue", metrics, Duration.ofHours(1))) {
            awaitValue(metrics, 1200.0);
            assertEquals(64.0, metrics.get(MetricNames.QUEUE_MESSAGES_NOT_VISIBLE).gauge().value());
            gauge.poll();
            assertEquals(1200.0, metrics.get(MetricNames.QUEUE_MESSAGES_VISIBLE).gauge().value());
        }
    }

    private static void awaitValue(SimpleMeterRegistry metrics, double expected) {
        long deadline = System.currentTimeMillis() + 5_000;
        while (metrics.get(MetricNames.QUEUE_MESSAGES_VISIBLE).gauge().value() != expected
                && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(expected, metrics.get(MetricNames.QUEUE_MESSAGES_VISIBLE).gauge().value());
    }
}

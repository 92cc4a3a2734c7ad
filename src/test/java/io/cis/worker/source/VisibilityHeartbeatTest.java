package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.cis.worker.ops.MetricNames;
import io.cis.worker.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** Only the extensions SQS accepted move a message's deadline; the others are tried again on the next tick. */
class VisibilityHeartbeatTest {

    private static final int TIMEOUT_SECONDS = 10;

    private final SqsClient sqs = mock(SqsClient.class);
    private final InFlightRegistry registry = new InFlightRegistry(20);
    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_000_000));
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final VisibilityHeartbeat heartbeat = new VisibilityHeartbeat(registry, new SqsBatchOperations(sqs, "url"),
            clock, TIMEOUT_SECONDS, 0.5, Duration.ofHours(1), metrics);

    @Test
    @SuppressWarnings("unchecked")
    void aRefusedEntryAndAFailedBatchAreNotCountedAsExtendedAndAreRetriedOnTheNextTick() {
        long now = clock.millis();
        List<InFlightMessage> messages = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // two batches: ten, then two
            InFlightMessage message = new InFlightMessage("m-" + i, "rh-" + i, 1, now - 6_000, now + 4_000); // due
            messages.add(message);
            registry.add(message);
        }
        when(sqs.changeMessageVisibilityBatch(any(Consumer.class)))
                .thenReturn(ChangeMessageVisibilityBatchResponse.builder()
                        .failed(BatchResultErrorEntry.builder().id("3").code("RequestThrottled").senderFault(false)
                                .message("slow down").build())
                        .build())
                .thenThrow(SqsException.builder().statusCode(500).message("InternalError").build())
                .thenReturn(ChangeMessageVisibilityBatchResponse.builder().build());

        heartbeat.run();

        // The registry has no order: which messages were refused follows from the two requests.
        List<List<String>> sent = requests(2);
        Set<String> refused = new TreeSet<>(sent.get(1));
        refused.add(sent.get(0).get(3));
        long extended = now + TIMEOUT_SECONDS * 1000L;
        Set<String> notExtended = messages.stream().filter(m -> m.visibleUntilMillis() != extended)
                .map(InFlightMessage::receiptHandle).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(3, refused.size());
        assertEquals(refused, notExtended, "the refused entry and the whole failed batch keep their old deadline");
        assertTrue(messages.stream().filter(m -> refused.contains(m.receiptHandle()))
                .allMatch(m -> m.visibleUntilMillis() == now + 4_000));
        assertEquals(3.0, metrics.counter(MetricNames.VISIBILITY_EXTENSION_FAILURES).count());

        clock.advance(Duration.ofSeconds(1));
        heartbeat.run();

        assertEquals(refused, new TreeSet<>(requests(3).get(2)), "the next tick retries exactly the three that failed");
        long extendedNow = clock.millis() + TIMEOUT_SECONDS * 1000L;
        assertTrue(messages.stream().filter(m -> refused.contains(m.receiptHandle()))
                .allMatch(m -> m.visibleUntilMillis() == extendedNow), "extended once SQS accepted");
        assertEquals(3.0, metrics.counter(MetricNames.VISIBILITY_EXTENSION_FAILURES).count(), "no new failure");
    }

    /** The receipt handles of each ChangeMessageVisibilityBatch so far (there must be this many). */
    @SuppressWarnings("unchecked")
    private List<List<String>> requests(int calls) {
        ArgumentCaptor<Consumer<ChangeMessageVisibilityBatchRequest.Builder>> captor = ArgumentCaptor.forClass(Consumer.class);
        verify(sqs, times(calls)).changeMessageVisibilityBatch(captor.capture());
        return captor.getAllValues().stream().map(call -> {
            ChangeMessageVisibilityBatchRequest.Builder request = ChangeMessageVisibilityBatchRequest.builder();
            call.accept(request);
            return request.build().entries().stream().map(ChangeMessageVisibilityBatchRequestEntry::receiptHandle).toList();
        }).toList();
    }
}

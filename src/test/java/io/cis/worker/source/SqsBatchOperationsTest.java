package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

class SqsBatchOperationsTest {

    @Test
    @SuppressWarnings("unchecked")
    void theSameMessageTwiceStillMakesAValidBatchAndFailuresMapBackToMessages() {
        SqsClient sqs = mock(SqsClient.class);
        when(sqs.deleteMessageBatch(any(Consumer.class))).thenReturn(DeleteMessageBatchResponse.builder()
                .failed(BatchResultErrorEntry.builder().id("1").code("ReceiptHandleIsInvalid").message("stale").build())
                .build());
        List<InFlightMessage> messages = new ArrayList<>();
        messages.add(new InFlightMessage("m-1", "rh-first", 1, 0, 0));
        messages.add(new InFlightMessage("m-1", "rh-second", 2, 0, 0)); // redelivered while still in flight
        for (int i = 0; i < 10; i++) {
            messages.add(new InFlightMessage("m-" + (i + 2), "rh-" + i, 1, 0, 0));
        }
        List<String> failed = new SqsBatchOperations(sqs, "url").delete(messages);
        assertEquals(List.of("m-1", "m-11"), failed, "entry 1 of each of the two calls failed");

        ArgumentCaptor<Consumer<DeleteMessageBatchRequest.Builder>> call = ArgumentCaptor.forClass(Consumer.class);
        verify(sqs, times(2)).deleteMessageBatch(call.capture());
        DeleteMessageBatchRequest.Builder first = DeleteMessageBatchRequest.builder();
        call.getAllValues().get(0).accept(first);
        List<String> ids = first.build().entries().stream().map(e -> e.id()).toList();
        assertEquals(10, ids.stream().distinct().count(), "entry ids must be distinct: " + ids);
    }
}

package io.cis.worker.source;

import io.cis.worker.ops.OutcomeCounters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.NotificationParser;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.pipeline.Intake;
import io.cis.worker.pipeline.Settlement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How one message's records become work and when the message counts as settled. */
class QueueMessageHandlerTest {

    private final Intake intake = mock(Intake.class);
    private final List<InFlightMessage> completed = new ArrayList<>();
    private final MessageSettler settler = mock(MessageSettler.class);

    {
        doAnswer(call -> completed.add(call.getArgument(0))).when(settler).complete(any());
    }

    private final QueueMessageHandler handler = new QueueMessageHandler(new NotificationParser(), intake, settler,
            new OutcomeCounters(new SimpleMeterRegistry()), new SimpleMeterRegistry());

    private static InFlightMessage message() {
        return new InFlightMessage("m-1", "rh-1", 1, 0, 60_000);
    }

    private static String s3Event(String... keys) {
        StringBuilder records = new StringBuilder();
        for (String key : keys) {
            if (records.length() > 0) {
                records.append(',');
            }
            records.append("{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\","
                    + "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"" + key + "\",\"size\":10}}}");
        }
        return "{\"Records\":[" + records + "]}";
    }

    @Test
    void unparseableBodyCompletesAsFinalSoItIsDeleted() {
        InFlightMessage m = message();
        handler.handle(m, "not json at all", 0);
        assertEquals(List.of(m), completed);
        assertTrue(m.deletable());
        assertEquals(Outcome.Kind.FAILED_PERMANENT, m.outcomes().get(0).kind());
    }

    @Test
    void everyRecordIsSubmittedAndTheMessageCompletesWithTheLast() throws Exception {
        List<Settlement> settlements = new ArrayList<>();
        doAnswer(call -> settlements.add(call.getArgument(2))).when(intake).offer(any(), isNull(), any(), anyLong());
        InFlightMessage m = message();
        handler.handle(m, s3Event("a.jpg", "my+photo.png", "c.gif"), 123);
        verify(intake).offer(eq(new S3ObjectRef("b", "my photo.png", null, 10L, null)), isNull(), any(), eq(123L));
        assertEquals(3, settlements.size());
        settlements.get(0).settle(null, Outcome.indexed());
        settlements.get(1).settle(null, Outcome.permanent(Reason.IMAGE_CORRUPT, ""));
        assertTrue(completed.isEmpty());
        settlements.get(2).settle(null, Outcome.indexed());
        assertEquals(List.of(m), completed);
        assertTrue(m.deletable());
    }

    @Test
    void testEventIsSkippedWithoutWork() throws Exception {
        InFlightMessage m = message();
        handler.handle(m, "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"b\"}", 0);
        verify(intake, never()).offer(any(), any(), any(), anyLong());
        assertEquals(List.of(m), completed);
        assertEquals(Outcome.Kind.SKIPPED, m.outcomes().get(0).kind());
    }

    @Test
    void interruptedWhileSubmittingLeavesTheMessageUnfinishedForTheHandBack() throws Exception {
        List<Settlement> settlements = new ArrayList<>();
        doAnswer(call -> settlements.add(call.getArgument(2)))
                .doThrow(new InterruptedException("shutdown"))
                .when(intake).offer(any(), isNull(), any(), anyLong());
        InFlightMessage m = message();
        handler.handle(m, s3Event("a.jpg", "b.jpg"), 0);
        assertTrue(Thread.interrupted(), "the interrupt must be kept for the poller");
        settlements.get(0).settle(null, Outcome.indexed());
        assertTrue(completed.isEmpty(), "never complete (so never deleted): the drain hands it back with visibility 0");
        assertFalse(m.isDone());
    }
}

package io.cis.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Counts the messages SQS is about to dead-letter: one left for redelivery after its receive count reached the
 * redrive policy's maxReceiveCount goes to the dead-letter queue instead of coming back. SQS moves it without
 * telling the worker, so this is the worker's only chance to log which message and why.
 */
public final class DeadLetterWatch {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterWatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxReceiveCount;
    private final Counter dlqBound;

    /** @param maxReceiveCount the redrive policy's value; 0 when the queue has no dead-letter queue */
    public DeadLetterWatch(int maxReceiveCount, MeterRegistry metrics) {
        this.maxReceiveCount = maxReceiveCount;
        this.dlqBound = Counter.builder(MetricNames.MESSAGES_DLQ_BOUND).register(metrics);
    }

    /** maxReceiveCount from a queue's RedrivePolicy attribute (JSON; the count may be a number or a string); 0 if none. */
    public static int maxReceiveCount(String redrivePolicy) {
        if (redrivePolicy == null || redrivePolicy.isBlank()) {
            return 0;
        }
        try {
            JsonNode count = JSON.readTree(redrivePolicy).path("maxReceiveCount");
            return count.isNumber() ? count.asInt() : Integer.parseInt(count.asText("0"));
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Called for every complete message that was not deleted. */
    public void leftForRedelivery(InFlightMessage message) {
        if (maxReceiveCount > 0 && message.receiveCount() >= maxReceiveCount) {
            dlqBound.increment();
            log.warn("message will go to the dead-letter queue", kv("message_id", message.messageId()),
                    kv("receive_count", message.receiveCount()), kv("max_receive_count", maxReceiveCount),
                    kv("reason", message.redeliveryReason()), kv("detail", message.redeliveryDetail()));
        }
    }
}

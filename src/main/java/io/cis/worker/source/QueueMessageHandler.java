package io.cis.worker.source;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.MessageParseException;
import io.cis.worker.event.NotificationParser;
import io.cis.worker.event.NotificationRecord;
import io.cis.worker.event.ParsedMessage;
import io.cis.worker.ops.MetricNames;
import io.cis.worker.ops.OutcomeCounters;
import io.cis.worker.pipeline.Intake;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Parses a message and feeds each record to the pipeline; the message completes when its last record settles.
 *
 * <p>An unparseable body is logged with its message id and an excerpt, then deleted: no retry can parse it,
 * and leaving it for the dead-letter queue would only redeliver it maxReceiveCount times first.
 */
public final class QueueMessageHandler implements ReceivedMessageHandler {

    private static final Logger log = LoggerFactory.getLogger(QueueMessageHandler.class);
    private static final int BODY_EXCERPT_CHARS = 500;

    private final NotificationParser parser;
    private final Intake intake;
    private final MessageSettler settler;
    private final Counter received;
    private final Counter redelivered;
    private final Counter unparseable;
    private final OutcomeCounters items;

    public QueueMessageHandler(NotificationParser parser, Intake intake, MessageSettler settler, OutcomeCounters items,
                               MeterRegistry metrics) {
        this.parser = parser;
        this.intake = intake;
        this.settler = settler;
        this.received = metrics.counter(MetricNames.MESSAGES_RECEIVED);
        this.redelivered = metrics.counter(MetricNames.MESSAGES_REDELIVERED);
        this.unparseable = metrics.counter(MetricNames.MESSAGES_UNPARSEABLE);
        this.items = items;
    }

    @Override
    public void handle(InFlightMessage message, String body, long sentAtMillis) {
        received.increment();
        if (message.receiveCount() > 1) {
            redelivered.increment();
        }
        ParsedMessage parsed;
        try {
            parsed = parser.parse(body);
        } catch (MessageParseException e) {
            unparseable.increment();
            Outcome outcome = Outcome.permanent(Reason.UNPARSEABLE_MESSAGE, e.getMessage());
            log.warn("unparseable message deleted", kv("message_id", message.messageId()),
                    kv("outcome", OutcomeCounters.tagValue(outcome.kind())), kv("reason", outcome.reason().code()),
                    kv("detail", outcome.detail()), kv("body_excerpt", excerpt(body)));
            settleWithoutItem(message, outcome);
            return;
        }
        try {
            for (NotificationRecord record : parsed.records()) {
                message.expectItem();
                if (record instanceof NotificationRecord.Skipped skipped) {
                    skip(message, skipped);
                } else if (record instanceof NotificationRecord.ObjectCreated created) {
                    intake.offer(created.object(), created.explicitDocumentId(),
                            (item, outcome) -> onItemSettled(message, outcome), sentAtMillis);
                }
            }
        } catch (InterruptedException e) {
            // Shutting down mid-message: its registration stays incomplete, and the poller hands it back to the
            // queue (visibility 0) at once, so another worker (or the restart) gets it without waiting.
            Thread.currentThread().interrupt();
            return;
        }
        if (message.allItemsRegistered()) {
            settler.complete(message);
        }
    }

    private void skip(InFlightMessage message, NotificationRecord.Skipped skipped) {
        Outcome outcome = Outcome.skipped(skipped.reason(), skipped.detail());
        items.increment(outcome);
        log.info("item skipped", kv("message_id", message.messageId()),
                kv("s3_url", skipped.object() == null ? null : skipped.object().s3Url()),
                kv("outcome", OutcomeCounters.tagValue(outcome.kind())), kv("reason", outcome.reason().code()),
                kv("detail", outcome.detail()));
        onItemSettled(message, outcome);
    }

    private void settleWithoutItem(InFlightMessage message, Outcome outcome) {
        message.expectItem();
        message.itemSettled(outcome);
        if (message.allItemsRegistered()) {
            settler.complete(message);
        }
    }

    private void onItemSettled(InFlightMessage message, Outcome outcome) {
        if (message.itemSettled(outcome)) {
            settler.complete(message);
        }
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        return body.length() <= BODY_EXCERPT_CHARS ? body : body.substring(0, BODY_EXCERPT_CHARS) + "...";
    }
}

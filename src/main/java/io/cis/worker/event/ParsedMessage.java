package io.cis.worker.event;

import java.util.List;
import java.util.Objects;

/**
 * What one queue message body holds.
 *
 * @param format  which body form it was
 * @param viaSns  whether it arrived inside an SNS notification envelope (raw message delivery off)
 * @param records at least one record, in the order the body lists them
 */
public record ParsedMessage(Format format, boolean viaSns, List<NotificationRecord> records) {

    /** The body forms the worker accepts. */
    public enum Format {
        /** {@code {"Records": [...]}} as S3 sends it to SQS or SNS. */
        S3_EVENT_NOTIFICATION,
        /** {@code {"Service": "Amazon S3", "Event": "s3:TestEvent", ...}}. */
        S3_TEST_EVENT,
        /** An EventBridge event with {@code "source": "aws.s3"}. */
        EVENTBRIDGE,
        /** The old worker's {@code {"id": ..., "s3_url": "s3://bucket/key"}}. */
        LEGACY_ID_AND_URL,
        /** An SNS subscription handshake (not a notification). */
        SNS_CONTROL
    }

    public ParsedMessage {
        Objects.requireNonNull(format, "format");
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a parsed message holds at least one record");
        }
    }
}

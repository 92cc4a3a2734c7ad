package io.cis.worker.event;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.cis.worker.core.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a queue message body into the records it holds. Accepted bodies:
 * <ul>
 *   <li>an S3 event notification {@code {"Records": [...]}} (every record), or its {@code s3:TestEvent};</li>
 *   <li>an EventBridge S3 event ({@code "source": "aws.s3"});</li>
 *   <li>the old worker's {@code {"id": ..., "s3_url": "s3://bucket/key"}};</li>
 *   <li>any of these inside an SNS notification envelope (SNS raw message delivery off).</li>
 * </ul>
 * Anything else is a {@link MessageParseException}. Pure and thread-safe: no I/O, no shared mutable state.
 */
public final class NotificationParser {

    // Trailing garbage and repeated fields are never written by AWS; accepting them would mean guessing.
    private final JsonMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private final S3EventNotificationReader s3Reader = new S3EventNotificationReader();
    private final EventBridgeEventReader eventBridgeReader = new EventBridgeEventReader();
    private final LegacyMessageReader legacyReader = new LegacyMessageReader();

    /**
     * @param body the SQS message body
     * @return the records of the body, at least one
     * @throws MessageParseException when the body is not one of the accepted forms; the message says what was wrong
     */
    public ParsedMessage parse(String body) throws MessageParseException {
        JsonNode root = readObject(body, "body");
        if (SnsEnvelope.isEnvelope(root)) {
            return parseSnsEnvelope(root);
        }
        return parseUnwrapped(root, false);
    }

    private ParsedMessage parseSnsEnvelope(JsonNode envelope) throws MessageParseException {
        String type = JsonFields.requiredText(envelope, "Type", "");
        if (SnsEnvelope.isControlMessage(type)) {
            // SNS sends these to a newly subscribed queue; they carry no object and retrying them is pointless.
            String topic = JsonFields.optionalText(envelope, "TopicArn", "");
            String detail = "SNS " + type + (topic == null ? "" : " for " + topic);
            return new ParsedMessage(ParsedMessage.Format.SNS_CONTROL, true,
                    List.of(new NotificationRecord.Skipped(Reason.OTHER_EVENT_TYPE, detail, null)));
        }
        if (!SnsEnvelope.NOTIFICATION.equals(type)) {
            throw new MessageParseException("SNS message Type \"" + type + "\" is not "
                    + SnsEnvelope.NOTIFICATION);
        }
        String inner = JsonFields.requiredText(envelope, "Message", "");
        JsonNode root = readObject(inner, "SNS Message");
        if (SnsEnvelope.isEnvelope(root)) {
            throw new MessageParseException("SNS Message is itself an SNS envelope; only one level is unwrapped");
        }
        try {
            return parseUnwrapped(root, true);
        } catch (MessageParseException e) {
            throw new MessageParseException("SNS Message: " + e.getMessage(), e);
        }
    }

    private ParsedMessage parseUnwrapped(JsonNode root, boolean viaSns) throws MessageParseException {
        if (root.has("Records")) {
            return s3Reader.readRecords(root, viaSns);
        }
        if (S3EventNotificationReader.isTestEvent(root)) {
            return s3Reader.readTestEvent(root, viaSns);
        }
        if (EventBridgeEventReader.isEventBridgeEvent(root)) {
            return eventBridgeReader.read(root, viaSns);
        }
        if (LegacyMessageReader.isLegacyMessage(root)) {
            return legacyReader.read(root, viaSns);
        }
        throw new MessageParseException("unrecognised message: top-level fields " + fieldNames(root)
                + "; expected an S3 event notification (Records), an s3:TestEvent (Event), an EventBridge S3 event"
                + " (detail-type), the {id, s3_url} form, or one of these in an SNS notification (Type, Message)");
    }

    private JsonNode readObject(String json, String what) throws MessageParseException {
        if (json == null || json.isBlank()) {
            throw new MessageParseException(what + " is empty");
        }
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JacksonException e) {
            throw new MessageParseException(what + " is not valid JSON: " + e.getOriginalMessage() + at(e.getLocation()), e);
        }
        if (root == null || !root.isObject()) {
            throw new MessageParseException(what + " must be a JSON object, got "
                    + (root == null ? "nothing" : JsonFields.describe(root)));
        }
        return root;
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static List<String> fieldNames(JsonNode root) {
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The fields that tell an SNS envelope apart from the bodies it can carry. */
    private static final class SnsEnvelope {
        static final String NOTIFICATION = "Notification";

        static boolean isEnvelope(JsonNode root) {
            return root.has("Type") && (root.has("TopicArn") || root.has("Message"));
        }

        static boolean isControlMessage(String type) {
            return "SubscriptionConfirmation".equals(type) || "UnsubscribeConfirmation".equals(type);
        }
    }
}

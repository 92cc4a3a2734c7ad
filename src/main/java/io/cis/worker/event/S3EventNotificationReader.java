package io.cis.worker.event;

import com.fasterxml.jackson.databind.JsonNode;

import io.cis.worker.core.Reason;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.cis.worker.event.JsonFields.optionalSize;
import static io.cis.worker.event.JsonFields.optionalText;
import static io.cis.worker.event.JsonFields.requiredObject;
import static io.cis.worker.event.JsonFields.requiredText;

/**
 * Reads an S3 event notification ({@code {"Records": [...]}}, event structure 2.x) and its {@code s3:TestEvent}.
 * Every record is read, not only the first: S3 may batch several into one message.
 */
final class S3EventNotificationReader {

    private static final String CREATED_PREFIX = "ObjectCreated:";
    private static final String REMOVED_PREFIX = "ObjectRemoved:";
    private static final String TEST_EVENT = "s3:TestEvent";

    static boolean isTestEvent(JsonNode root) {
        return root.has("Event");
    }

    ParsedMessage readTestEvent(JsonNode root, boolean viaSns) throws MessageParseException {
        String event = requiredText(root, "Event", "");
        if (!TEST_EVENT.equals(event)) {
            throw new MessageParseException("Event \"" + event + "\" is not an S3 event this worker knows (only "
                    + TEST_EVENT + ")");
        }
        String bucket = optionalText(root, "Bucket", "");
        String detail = TEST_EVENT + (bucket == null ? "" : " for bucket " + bucket);
        return new ParsedMessage(ParsedMessage.Format.S3_TEST_EVENT, viaSns,
                List.of(new NotificationRecord.Skipped(Reason.TEST_EVENT, detail, null)));
    }

    ParsedMessage readRecords(JsonNode root, boolean viaSns) throws MessageParseException {
        JsonNode records = root.get("Records");
        if (records == null || !records.isArray()) {
            throw new MessageParseException("Records must be an array, got "
                    + (records == null ? "nothing" : JsonFields.describe(records)));
        }
        if (records.isEmpty()) {
            throw new MessageParseException("Records is empty");
        }
        List<NotificationRecord> parsed = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            parsed.add(readRecord(records.get(i), "Records[" + i + "]"));
        }
        return new ParsedMessage(ParsedMessage.Format.S3_EVENT_NOTIFICATION, viaSns, parsed);
    }

    private NotificationRecord readRecord(JsonNode record, String path) throws MessageParseException {
        if (!record.isObject()) {
            throw new MessageParseException(path + " must be an object, got " + JsonFields.describe(record));
        }
        // Some S3-compatible stores prefix the name with "s3:"; AWS does not. Accepting both costs nothing.
        String eventName = stripS3Prefix(requiredText(record, "eventName", path));
        JsonNode s3 = requiredObject(record, "s3", path);
        String bucket = requiredText(requiredObject(s3, "bucket", path + ".s3"), "name", path + ".s3.bucket");
        String objectPath = path + ".s3.object";
        JsonNode object = requiredObject(s3, "object", path + ".s3");
        String key = decodeKey(requiredText(object, "key", objectPath), objectPath + ".key");
        S3ObjectRef ref = new S3ObjectRef(bucket, key,
                optionalText(object, "versionId", objectPath),
                optionalSize(object, "size", objectPath),
                optionalText(object, "eTag", objectPath),
                optionalText(object, "sequencer", objectPath));

        if (eventName.startsWith(CREATED_PREFIX)) {
            return new NotificationRecord.ObjectCreated(ref, null);
        }
        if (eventName.startsWith(REMOVED_PREFIX)) {
            return new NotificationRecord.Skipped(Reason.OBJECT_REMOVED, eventName, ref);
        }
        return new NotificationRecord.Skipped(Reason.OTHER_EVENT_TYPE, eventName, ref);
    }

    /**
     * S3 writes keys form-URL-encoded: a space becomes {@code +}, a literal plus {@code %2B}, other bytes of the
     * UTF-8 key {@code %XX}. {@link URLDecoder} undoes exactly that.
     */
    private static String decodeKey(String encoded, String path) throws MessageParseException {
        String key;
        try {
            key = URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new MessageParseException(path + " \"" + encoded + "\" is not valid URL encoding: " + e.getMessage(), e);
        }
        if (key.isBlank()) {
            throw new MessageParseException(path + " decodes to an empty key");
        }
        return key;
    }

    private static String stripS3Prefix(String eventName) {
        return eventName.startsWith("s3:") ? eventName.substring(3) : eventName;
    }
}

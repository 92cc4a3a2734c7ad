package io.cis.worker.event;

import com.fasterxml.jackson.databind.JsonNode;

import io.cis.worker.core.Reason;
import java.util.List;

import static io.cis.worker.event.JsonFields.optionalSize;
import static io.cis.worker.event.JsonFields.optionalText;
import static io.cis.worker.event.JsonFields.requiredObject;
import static io.cis.worker.event.JsonFields.requiredText;

/**
 * Reads an S3 event delivered by Amazon EventBridge (one object per event; field names are kebab-case and the
 * entity tag is {@code etag}, unlike the S3 notification's {@code eTag}).
 *
 * <p><b>The key is taken as is, not URL-decoded.</b> AWS documents URL encoding only for the S3 event
 * notification ("red flower.jpg" becomes "red+flower.jpg"); its EventBridge message structure page says nothing
 * of encoding and its example key has no special characters. The AWS guidance-for-medialake-on-aws project
 * tested keys such as {@code test+b.png}, {@code ARTISTS K to O.png} and {@code %2B++ %20.mp3} against EventBridge
 * and found them delivered un-encoded (its pull request #21 and the test class {@code TestEventBridgeKeyNotDecoded}).
 * Decoding a raw key would corrupt every key holding {@code +} or {@code %}; not decoding an encoded one would
 * break keys with spaces. Both fail the same visible way (a 404, recorded as a permanent failure naming the key),
 * so we follow the tested evidence. Note that Powertools for AWS Lambda (Python) and Data Prepper do decode this
 * key with form decoding; if real EventBridge traffic ever shows {@code +} for a space, change {@link #keyOf}.
 */
final class EventBridgeEventReader {

    private static final String S3_SOURCE = "aws.s3";
    private static final String OBJECT_CREATED = "Object Created";
    private static final String OBJECT_DELETED = "Object Deleted";

    static boolean isEventBridgeEvent(JsonNode root) {
        return root.has("detail-type");
    }

    ParsedMessage read(JsonNode root, boolean viaSns) throws MessageParseException {
        String source = requiredText(root, "source", "");
        if (!S3_SOURCE.equals(source)) {
            throw new MessageParseException("EventBridge event from source \"" + source
                    + "\" is not an S3 event (expected \"" + S3_SOURCE + "\")");
        }
        String detailType = requiredText(root, "detail-type", "");
        JsonNode detail = requiredObject(root, "detail", "");
        String bucket = requiredText(requiredObject(detail, "bucket", "detail"), "name", "detail.bucket");
        JsonNode object = requiredObject(detail, "object", "detail");
        S3ObjectRef ref = new S3ObjectRef(bucket, keyOf(object),
                optionalText(object, "version-id", "detail.object"),
                optionalSize(object, "size", "detail.object"),
                optionalText(object, "etag", "detail.object"),
                optionalText(object, "sequencer", "detail.object"));

        NotificationRecord record;
        if (OBJECT_CREATED.equals(detailType)) {
            record = new NotificationRecord.ObjectCreated(ref, null);
        } else if (OBJECT_DELETED.equals(detailType)) {
            record = new NotificationRecord.Skipped(Reason.OBJECT_REMOVED, describe(detailType, detail), ref);
        } else {
            record = new NotificationRecord.Skipped(Reason.OTHER_EVENT_TYPE, describe(detailType, detail), ref);
        }
        return new ParsedMessage(ParsedMessage.Format.EVENTBRIDGE, viaSns, List.of(record));
    }

    /** The object key exactly as EventBridge delivers it (see the class comment for why it is not decoded). */
    private static String keyOf(JsonNode object) throws MessageParseException {
        return requiredText(object, "key", "detail.object");
    }

    private static String describe(String detailType, JsonNode detail) throws MessageParseException {
        String reason = optionalText(detail, "reason", "detail");
        return reason == null ? detailType : detailType + " (" + reason + ")";
    }
}

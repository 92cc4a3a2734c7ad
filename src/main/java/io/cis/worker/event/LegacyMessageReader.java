package io.cis.worker.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

import static io.cis.worker.event.JsonFields.requiredText;

/**
 * Reads the old worker's {@code {"id": "<document id>", "s3_url": "s3://bucket/key"}}. The producer wrote the key
 * literally (not URL-encoded), so everything after {@code s3://bucket/} is the key, spaces and {@code +} included.
 */
final class LegacyMessageReader {

    private static final String SCHEME = "s3://";

    static boolean isLegacyMessage(JsonNode root) {
        return root.has("s3_url");
    }

    ParsedMessage read(JsonNode root, boolean viaSns) throws MessageParseException {
        String id = documentId(root);
        String url = requiredText(root, "s3_url", "");
        if (!url.startsWith(SCHEME)) {
            throw new MessageParseException("s3_url \"" + url + "\" does not start with " + SCHEME);
        }
        String path = url.substring(SCHEME.length());
        int slash = path.indexOf('/');
        if (slash <= 0) {
            throw new MessageParseException("s3_url \"" + url + "\" is not of the form s3://bucket/key");
        }
        String bucket = path.substring(0, slash);
        String key = path.substring(slash + 1);
        if (key.isBlank()) {
            throw new MessageParseException("s3_url \"" + url + "\" has no object key after the bucket");
        }
        S3ObjectRef ref = S3ObjectRef.of(bucket, key);
        return new ParsedMessage(ParsedMessage.Format.LEGACY_ID_AND_URL, viaSns,
                List.of(new NotificationRecord.ObjectCreated(ref, id)));
    }

    /** OpenSearch ids are strings; a producer serialising a numeric id gets the same document. */
    private static String documentId(JsonNode root) throws MessageParseException {
        JsonNode id = root.get("id");
        if (id != null && id.isIntegralNumber()) {
            return id.asText();
        }
        return requiredText(root, "id", "");
    }
}

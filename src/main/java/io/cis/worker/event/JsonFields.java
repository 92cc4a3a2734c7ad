package io.cis.worker.event;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads fields from a JSON tree and names the exact path of anything missing or of the wrong type, so a rejected
 * message says what was wrong (e.g. {@code Records[0].s3.object.size must be a whole number, got "12"}).
 */
final class JsonFields {

    private JsonFields() {
    }

    static JsonNode requiredObject(JsonNode parent, String field, String parentPath) throws MessageParseException {
        JsonNode node = parent.get(field);
        String path = join(parentPath, field);
        if (node == null || node.isNull()) {
            throw new MessageParseException(path + " is missing");
        }
        if (!node.isObject()) {
            throw new MessageParseException(path + " must be an object, got " + describe(node));
        }
        return node;
    }

    static String requiredText(JsonNode parent, String field, String parentPath) throws MessageParseException {
        String value = optionalText(parent, field, parentPath);
        if (value == null) {
            throw new MessageParseException(join(parentPath, field) + " is missing");
        }
        if (value.isBlank()) {
            throw new MessageParseException(join(parentPath, field) + " is empty");
        }
        return value;
    }

    /** The text value, or {@code null} when the field is absent or JSON null. */
    static String optionalText(JsonNode parent, String field, String parentPath) throws MessageParseException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new MessageParseException(join(parentPath, field) + " must be a string, got " + describe(node));
        }
        return node.textValue();
    }

    /** A non-negative whole number, or {@code null} when the field is absent or JSON null. */
    static Long optionalSize(JsonNode parent, String field, String parentPath) throws MessageParseException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        String path = join(parentPath, field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new MessageParseException(path + " must be a whole number, got " + describe(node));
        }
        long value = node.longValue();
        if (value < 0) {
            throw new MessageParseException(path + " must not be negative, got " + value);
        }
        return value;
    }

    static String join(String parentPath, String field) {
        return parentPath.isEmpty() ? field : parentPath + "." + field;
    }

    /** A short description of a value for error messages; long strings are cut so a log line stays readable. */
    static String describe(JsonNode node) {
        if (node.isTextual()) {
            String text = node.textValue();
            return "string \"" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "\"";
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + node.asText();
        }
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}

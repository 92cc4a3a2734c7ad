package io.cis.worker.index;

import jakarta.json.stream.JsonGenerator;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.json.JsonpSerializable;

/**
 * A flat JSON object for a bulk action's {@code doc} or {@code upsert}, written field by field.
 *
 * <p>It serializes itself instead of going through the client's object mapper, whose settings (e.g. dropping
 * nulls, which the default Jackson mapper of the client does) would otherwise decide whether
 * {@code "image_embedding_error": null} reaches OpenSearch. Values are strings, booleans, float arrays or null.
 */
final class JsonObjectBody implements JsonpSerializable {

    private final Map<String, Object> fields = new LinkedHashMap<>();

    JsonObjectBody put(String name, String value) {
        fields.put(name, value);
        return this;
    }

    JsonObjectBody put(String name, boolean value) {
        fields.put(name, value);
        return this;
    }

    JsonObjectBody put(String name, float[] value) {
        fields.put(name, value.clone());
        return this;
    }

    JsonObjectBody putNull(String name) {
        fields.put(name, null);
        return this;
    }

    JsonObjectBody putAll(JsonObjectBody other) {
        fields.putAll(other.fields);
        return this;
    }

    Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    @Override
    public void serialize(JsonGenerator generator, JsonpMapper mapper) {
        generator.writeStartObject();
        fields.forEach((name, value) -> {
            if (value == null) {
                generator.writeNull(name);
            } else if (value instanceof String text) {
                generator.write(name, text);
            } else if (value instanceof Boolean flag) {
                generator.write(name, flag);
            } else if (value instanceof float[] vector) {
                generator.writeStartArray(name);
                for (float component : vector) {
                    // Float.toString is the shortest text that reads back as the same float; a double would
                    // print float noise (0.1f as 0.10000000149011612) and double the request size.
                    generator.write(new BigDecimal(Float.toString(component)));
                }
                generator.writeEnd();
            } else {
                throw new IllegalStateException("unsupported value for " + name + ": " + value.getClass());
            }
        });
        generator.writeEnd();
    }
}

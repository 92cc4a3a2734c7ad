package io.cis.worker.index;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which concrete index takes the writes addressed to the configured name, read from {@code GET /<name>/_alias}, or
 * why none does. Pure, so every alias layout is unit-tested without a server.
 *
 * <p>OpenSearch's rule: a concrete index takes its own writes; an alias writes to the index marked
 * {@code is_write_index: true}, or to its only index unless that one is marked false. Otherwise it has no write
 * index, and every write to it fails with 400 "no write index is defined for alias".
 *
 * @param index   the concrete index that takes the writes; null when there is none
 * @param problem why there is none, with the fix; null when there is one
 */
record WriteIndex(String index, String problem) {

    static WriteIndex of(String name, JsonNode aliasesByIndex) {
        if (aliasesByIndex.has(name)) {
            return new WriteIndex(name, null);
        }
        List<String> indices = new ArrayList<>();
        List<String> marked = new ArrayList<>();
        boolean onlyOneMarkedFalse = false;
        for (Map.Entry<String, JsonNode> entry : aliasesByIndex.properties()) {
            JsonNode alias = entry.getValue().path("aliases").get(name);
            if (alias == null) {
                continue;
            }
            indices.add(entry.getKey());
            JsonNode flag = alias.get("is_write_index");
            if (flag != null && flag.asBoolean()) {
                marked.add(entry.getKey());
            }
            onlyOneMarkedFalse = flag != null && !flag.asBoolean();
        }
        if (marked.size() == 1) {
            return new WriteIndex(marked.get(0), null);
        }
        if (indices.size() == 1 && !onlyOneMarkedFalse) {
            return new WriteIndex(indices.get(0), null);
        }
        if (indices.isEmpty()) {
            return new WriteIndex(null, "no index or alias named " + name + " exists");
        }
        return new WriteIndex(null, "alias " + name + " has no write index (it points to " + String.join(", ", indices)
                + (indices.size() == 1 ? ", marked is_write_index: false" : ", none marked is_write_index: true")
                + "): mark the index that should take the writes with is_write_index: true (POST /_aliases)");
    }
}

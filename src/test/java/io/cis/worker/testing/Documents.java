package io.cis.worker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Predicate;
import org.opensearch.client.opensearch.OpenSearchClient;

/** Reading documents back in integration tests. */
public final class Documents {

    private Documents() {
    }

    /** The document's source, or null if it does not exist. */
    public static JsonNode get(OpenSearchClient client, String index, String id) throws IOException {
        var response = client.get(g -> g.index(index).id(id), ObjectNode.class);
        return response.found() ? response.source() : null;
    }

    /** Polls until the document exists and satisfies the condition; fails after the timeout. */
    public static JsonNode await(OpenSearchClient client, String index, String id, Predicate<JsonNode> condition,
                                 Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode doc = null;
        while (System.nanoTime() < deadline) {
            doc = get(client, index, id);
            if (doc != null && condition.test(doc)) {
                return doc;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("document " + index + "/" + id + " did not reach the expected state within " + timeout
                + "; last seen: " + doc);
    }

    public static boolean embedded(JsonNode doc) {
        return doc.path("has_image_embedding").asBoolean();
    }
}

package io.cis.worker.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.index.OpenSearchAuth;
import io.cis.worker.index.OpenSearchClientFactory;
import io.cis.worker.testing.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.opensearch.client.opensearch.OpenSearchClient;

/** The test's own index on the local OpenSearch, read over plain HTTP so the assertions do not share the worker's client code. */
final class SearchIndex {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI endpoint;
    final String name;

    SearchIndex(String name) {
        this.endpoint = LocalStack.openSearch();
        this.name = name;
    }

    /** Created with the worker's own mapping, before any worker starts (two workers would race to create it). */
    void create() {
        OpenSearchClient client = new OpenSearchClientFactory(endpoint, OpenSearchAuth.none()).create();
        try {
            new IndexSetup(client, name, 512, "lucene", "cosinesimil").ensureIndex();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                client._transport().close();
            } catch (IOException e) {
                // closing a test client
            }
        }
    }

    void delete() {
        send("DELETE", "/" + name, null);
    }

    /** Closes the index, as an operator does to change a static setting. */
    void close() {
        send("POST", "/" + name + "/_close", null);
    }

    void open() {
        send("POST", "/" + name + "/_open", null);
    }

    /** Whether an index (or alias) by this name exists: HEAD, answered 200 or 404. */
    boolean exists() {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/" + name)).timeout(Duration.ofSeconds(30))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The mapping type of one top-level field ("knn_vector", "float", ...), or "absent". */
    String fieldType(String field) {
        JsonNode mappings = send("GET", "/" + name + "/_mapping", null);
        for (JsonNode index : mappings) {
            return index.path("mappings").path("properties").path(field).path("type").asText("absent");
        }
        return "absent";
    }

    void refresh() {
        send("POST", "/" + name + "/_refresh", null);
    }

    /** Documents with a vector. */
    int countEmbedded() {
        refresh();
        return send("POST", "/" + name + "/_count", "{\"query\":{\"term\":{\"has_image_embedding\":true}}}").path("count").asInt();
    }

    /** Documents with a recorded error. */
    int countWithError() {
        refresh();
        return send("POST", "/" + name + "/_count", "{\"query\":{\"exists\":{\"field\":\"image_embedding_error\"}}}")
                .path("count").asInt();
    }

    /** Creates plain documents (no vector) with these ids, as the indexer that owns the documents would. */
    void createDocuments(List<String> ids) {
        for (int from = 0; from < ids.size(); from += 1000) {
            StringBuilder bulk = new StringBuilder();
            for (String id : ids.subList(from, Math.min(ids.size(), from + 1000))) {
                ObjectNode action = JSON.createObjectNode();
                action.putObject("index").put("_id", id);
                bulk.append(action).append('\n').append(JSON.createObjectNode().put("s3_key", id)).append('\n');
            }
            JsonNode answer = send("POST", "/" + name + "/_bulk", bulk.toString());
            if (answer.path("errors").asBoolean()) {
                throw new IllegalStateException("bulk create failed: " + answer.toString().substring(0, 500));
            }
        }
        refresh();
    }

    /** The documents' sources by id (missing documents absent), fetched in chunks with _mget. */
    Map<String, JsonNode> sources(List<String> ids) {
        Map<String, JsonNode> found = new HashMap<>();
        for (int from = 0; from < ids.size(); from += 500) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode chunk = body.putArray("ids");
            ids.subList(from, Math.min(ids.size(), from + 500)).forEach(chunk::add);
            JsonNode answer = send("POST", "/" + name + "/_mget?_source_includes=image_embedding,has_image_embedding,"
                    + "image_embedding_error,image_embedding_model", body.toString());
            for (JsonNode doc : answer.path("docs")) {
                if (doc.path("found").asBoolean()) {
                    found.put(doc.path("_id").asText(), doc.path("_source"));
                }
            }
        }
        return found;
    }

    private JsonNode send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", path.endsWith("_bulk") ? "application/x-ndjson" : "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300 && !(method.equals("DELETE") && response.statusCode() == 404)) {
                throw new IllegalStateException(method + " " + path + ": HTTP " + response.statusCode() + " " + response.body());
            }
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

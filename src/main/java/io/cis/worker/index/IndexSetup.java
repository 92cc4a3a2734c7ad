package io.cis.worker.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.mapping.Property;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

/**
 * The "create the index if it is missing" command.
 *
 * <p>A missing index is created with {@code index.knn: true} and every field of {@link EmbeddingMapping}. An
 * existing index (or alias) is never changed destructively: {@code image_embedding} must already be a
 * {@code knn_vector} of the configured dimension, or {@link IndexSetupException} says what was found; fields the
 * worker writes that are missing are added with a put-mapping. Running it again changes nothing.
 */
public final class IndexSetup {

    /** Characters that cannot appear in an index name and would change the request path. */
    private static final Pattern UNSAFE_NAME = Pattern.compile("[\\s/\\\\?#%,*\"<>|]");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenSearchClient client;
    private final String index;
    private final EmbeddingMapping mapping;
    private final String lookupField;

    public IndexSetup(OpenSearchClient client, String index, int dimension, String engine, String spaceType) {
        this(client, index, dimension, engine, spaceType, null);
    }

    /**
     * @param lookupField DOCUMENT_LOOKUP_FIELD in lookup mode, checked to be a keyword; null in the other id modes
     */
    public IndexSetup(OpenSearchClient client, String index, int dimension, String engine, String spaceType,
                      String lookupField) {
        this.client = Objects.requireNonNull(client, "client");
        this.lookupField = lookupField;
        Objects.requireNonNull(index, "index");
        if (index.isBlank() || UNSAFE_NAME.matcher(index).find()) {
            throw new IllegalArgumentException("not a usable index name: '" + index + "'");
        }
        this.index = index;
        this.mapping = new EmbeddingMapping(dimension, engine, spaceType);
    }

    /**
     * @throws IndexSetupException the existing index cannot hold the embeddings, or OpenSearch refused to create
     *                             the index (e.g. an unknown engine)
     * @throws IOException         OpenSearch could not be reached
     */
    public IndexSetupResult ensureIndex() throws IOException {
        boolean created = false;
        if (!client.indices().exists(e -> e.index(index)).value()) {
            created = create();
        }
        Map<String, JsonNode> mappings = currentMappings();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Set<String> missing = new LinkedHashSet<>();
        mappings.forEach((concreteIndex, indexMappings) -> {
            MappingCheck.Report report = MappingCheck.check(concreteIndex, indexMappings, mapping, lookupField);
            problems.addAll(report.problems());
            warnings.addAll(report.warnings());
            missing.addAll(report.missingFields());
        });
        if (!problems.isEmpty()) {
            throw new IndexSetupException(String.join("; ", problems) + ". A field's type or dimension cannot be"
                    + " changed in place: create a new index with the right mapping and reindex into it, or point"
                    + " the worker at another index.");
        }
        warnings.addAll(knnSettingWarnings());
        if (!missing.isEmpty()) {
            Map<String, Property> additions = new LinkedHashMap<>();
            missing.forEach(field -> additions.put(field,
                    EmbeddingMapping.simpleProperty(EmbeddingMapping.otherFieldTypes().get(field))));
            client.indices().putMapping(p -> p.index(index).properties(additions));
        }
        return new IndexSetupResult(index, created, List.copyOf(missing), warnings);
    }

    /**
     * Why the index cannot take the worker's writes now, with the fix; empty when it can: it is missing, closed, an
     * alias without a write index, or its mapping no longer fits (e.g. someone else's write re-created it with
     * dynamic mappings). Checked at start-up after {@link #ensureIndex()}, and by the OpenSearch outage gate's probe
     * while receiving is paused, so receiving resumes only once writes can succeed, and the log says what blocks it.
     * Never creates or changes anything.
     *
     * @throws IOException OpenSearch could not be reached
     */
    public Optional<String> writeProblem() throws IOException {
        if (!client.indices().exists(e -> e.index(index)).value()) {
            return Optional.of("index " + index + " does not exist: create it (the create-index command creates it"
                    + " with the k-NN mapping) or restore it");
        }
        // The alias and cat APIs need permissions the worker did not need before, and Serverless collections have
        // no aliases: where they are refused, the name is taken for a concrete index, and the write tells the rest.
        WriteIndex write = new WriteIndex(index, null);
        try {
            write = WriteIndex.of(index, getJson("/" + index + "/_alias", Map.of()));
        } catch (IndexSetupException e) {
            // refused: see above
        }
        if (write.problem() != null) {
            return Optional.of(write.problem());
        }
        try {
            for (JsonNode state : getJson("/_cat/indices/" + write.index(), Map.of("format", "json", "h", "index,status"))) {
                if ("close".equals(state.path("status").asText())) {
                    return Optional.of("index " + write.index() + " is closed: open it (POST /" + write.index() + "/_open)");
                }
            }
        } catch (IndexSetupException e) {
            // refused: see above
        }
        JsonNode mappings = getJson("/" + write.index() + "/_mapping", Map.of());
        List<String> problems = new ArrayList<>();
        mappings.properties().forEach(entry -> problems.addAll(
                MappingCheck.check(entry.getKey(), entry.getValue().get("mappings"), mapping, lookupField).problems()));
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    private boolean create() throws IOException {
        try {
            client.indices().create(c -> c
                    .index(index)
                    .settings(s -> s.knn(true))
                    .mappings(m -> m.properties(mapping.properties())));
            return true;
        } catch (OpenSearchException e) {
            if ("resource_already_exists_exception".equals(e.error().type())) {
                return false; // another worker created it first; the checks below still apply
            }
            throw new IndexSetupException("could not create index " + index + ": "
                    + OpenSearchErrors.describe(e.error()), e);
        }
    }

    /** Concrete index name to its {@code mappings}, read as plain JSON so unfamiliar field types cannot break it. */
    private Map<String, JsonNode> currentMappings() throws IOException {
        JsonNode root = getJson("/" + index + "/_mapping", Map.of());
        Map<String, JsonNode> mappings = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            mappings.put(entry.getKey(), entry.getValue().get("mappings"));
        }
        if (mappings.isEmpty()) {
            throw new IndexSetupException("index " + index + " has no mapping to check");
        }
        return mappings;
    }

    /** Without {@code index.knn: true} the HNSW graphs are not built and k-NN queries get slow. */
    private List<String> knnSettingWarnings() throws IOException {
        JsonNode root = getJson("/" + index + "/_settings/index.knn", Map.of("flat_settings", "true"));
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String knn = entry.getValue().path("settings").path("index.knn").asText("false");
            if (!knn.equals("true")) {
                warnings.add("index " + entry.getKey() + " has index.knn=" + knn
                        + "; approximate k-NN search needs index.knn=true (a static setting: reindex to change it)");
            }
        }
        return warnings;
    }

    private JsonNode getJson(String endpoint, Map<String, String> query) throws IOException {
        try (Response response = client.generic().execute(
                Requests.builder().method("GET").endpoint(endpoint).query(query).build())) {
            String body = response.getBody().map(Body::bodyAsString).orElse("");
            if (response.getStatus() != 200) {
                throw new IndexSetupException("GET " + endpoint + " answered " + response.getStatus() + ": " + body, response.getStatus());
            }
            return JSON.readTree(body);
        }
    }
}

package io.cis.worker.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;

/** The k documents whose {@code image_embedding} is nearest to a vector (used by the demo and the tests). */
public final class KnnSearch {

    /** One neighbour; {@code s3Key} is null when the document has no {@code s3_key}. */
    public record Neighbour(String id, double score, String s3Key) {
    }

    private final OpenSearchClient client;
    private final String index;

    public KnnSearch(OpenSearchClient client, String index) {
        this.client = Objects.requireNonNull(client, "client");
        this.index = Objects.requireNonNull(index, "index");
    }

    /** Nearest first. */
    @SuppressWarnings("rawtypes")
    public List<Neighbour> nearest(float[] vector, int k) throws IOException {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        List<Float> query = new ArrayList<>(vector.length);
        for (float component : vector) {
            query.add(component);
        }
        SearchResponse<Map> response = client.search(s -> s
                        .index(index)
                        .size(k)
                        .source(src -> src.filter(f -> f.includes(DocumentFields.S3_KEY)))
                        .query(q -> q.knn(knn -> knn.field(DocumentFields.IMAGE_EMBEDDING).vector(query).k(k))),
                Map.class);
        List<Neighbour> neighbours = new ArrayList<>();
        for (Hit<Map> hit : response.hits().hits()) {
            Object key = hit.source() == null ? null : hit.source().get(DocumentFields.S3_KEY);
            neighbours.add(new Neighbour(hit.id(), hit.score() == null ? Double.NaN : hit.score(),
                    key == null ? null : key.toString()));
        }
        return neighbours;
    }
}

package io.cis.worker.index;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.UUID;
import org.opensearch.client.opensearch.OpenSearchClient;

/** The OpenSearch the integration tests run against: {@code OPENSEARCH_ENDPOINT}, e.g. from scripts/local-stack.sh. */
final class LocalOpenSearch {

    private LocalOpenSearch() {
    }

    static OpenSearchClient client() {
        String endpoint = System.getenv("OPENSEARCH_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalStateException("OPENSEARCH_ENDPOINT is not set: start the local stack "
                    + "(scripts/local-stack.sh up) and eval \"$(scripts/local-stack.sh env)\" before running the ITs");
        }
        return new OpenSearchClientFactory(URI.create(endpoint), OpenSearchAuth.none()).create();
    }

    /** A fresh index name, so tests never see each other's documents. */
    static String uniqueIndex(String purpose) {
        return ("cis-it-" + purpose + "-" + UUID.randomUUID()).toLowerCase(Locale.ROOT);
    }

    static void deleteIfExists(OpenSearchClient client, String index) throws IOException {
        if (client.indices().exists(e -> e.index(index)).value()) {
            client.indices().delete(d -> d.index(index));
        }
    }

    static void refresh(OpenSearchClient client, String index) throws IOException {
        client.indices().refresh(r -> r.index(index));
    }
}

package io.cis.worker.index;

import java.io.IOException;
import java.util.Objects;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.transport.TransportException;

/**
 * Keeps a bulk write from creating the index. OpenSearch creates a missing index on the first write to it
 * (auto-create) with dynamic mappings: {@code image_embedding} would become a plain float array, k-NN search would
 * stop working, and the worker's start-up check would only notice at the next restart.
 *
 * <p>What OpenSearch 2.19 offers: the bulk API's {@code require_alias=true} refuses to auto-create (each item fails
 * with {@code index_not_found_exception}), but it also refuses a write to an existing concrete index (tried on 2.19.1:
 * "[require_alias] request flag is [true] and [x] is not an alias"), so it can only guard an alias. Hence, before
 * each bulk: an alias is written with {@code require_alias} (airtight); a concrete index is checked to exist first,
 * which leaves only the milliseconds between the check and the write open (the README says how to close that too:
 * point {@code OPENSEARCH_INDEX} at an alias, or exclude the index from the cluster's {@code action.auto_create_index}).
 * The check is one or two HEAD requests, small beside a bulk of embeddings.
 */
final class AutoCreateGuard {

    /** What the configured name is right now. */
    enum Target {
        /** An alias: write with require_alias. */
        ALIAS,
        /** A concrete index: write plainly. */
        INDEX,
        /** Nothing by that name: do not write at all. */
        MISSING
    }

    private final OpenSearchClient client;
    private final String name;

    AutoCreateGuard(OpenSearchClient client, String name) {
        this.client = Objects.requireNonNull(client, "client");
        this.name = Objects.requireNonNull(name, "name");
    }

    /** @throws IOException OpenSearch did not answer */
    Target check() throws IOException {
        if (isAlias()) {
            return Target.ALIAS;
        }
        // The same check the start-up makes (IndexSetup), so it needs no permission the worker did not have.
        return client.indices().exists(e -> e.index(name)).value() ? Target.INDEX : Target.MISSING;
    }

    private boolean isAlias() throws IOException {
        try {
            return client.indices().existsAlias(a -> a.name(name)).value();
        } catch (OpenSearchException | TransportException e) {
            // The alias API refused (a role without indices:admin/aliases/get; Serverless has no aliases): no alias
            // can be relied on, so the name is checked as an index, as for a concrete one.
            return false;
        }
    }

    /** The detail of every item not sent because the index is missing: what happened and what to do. */
    String missingDetail() {
        return "index " + name + " does not exist; not written, so that the write cannot create it with dynamic"
                + " mappings. Create it (the create-index command creates it with the k-NN mapping) or restore it;"
                + " receiving resumes when it can take writes";
    }
}

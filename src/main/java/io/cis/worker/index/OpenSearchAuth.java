package io.cis.worker.index;

import java.util.Objects;

/**
 * How the worker authenticates to OpenSearch.
 *
 * <p>SigV4 (Amazon OpenSearch Service {@code es} and Serverless {@code aoss}) will be a third variant here; it
 * needs a different transport (the AWS SDK one, which signs every request), so {@link OpenSearchClientFactory}
 * switches on the variant rather than configuring HTTP auth.
 */
public sealed interface OpenSearchAuth permits OpenSearchAuth.None, OpenSearchAuth.Basic {

    static OpenSearchAuth none() {
        return new None();
    }

    static OpenSearchAuth basic(String username, String password) {
        return new Basic(username, password);
    }

    /** No authentication (local stack, or a domain behind a VPC with an open access policy). */
    record None() implements OpenSearchAuth {
    }

    /** HTTP basic authentication (fine-grained access control's internal users). */
    record Basic(String username, String password) implements OpenSearchAuth {
        public Basic {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.isBlank()) {
                throw new IllegalArgumentException("OpenSearch basic auth needs a username");
            }
        }

        /** Never prints the password: settings summaries and exceptions may end up in the log. */
        @Override
        public String toString() {
            return "Basic[username=" + username + ", password=****]";
        }
    }
}

package io.cis.worker.index;

import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * How the worker authenticates to OpenSearch.
 *
 * <p>SigV4 needs a different transport (the AWS SDK one, which signs every request), so
 * {@link OpenSearchClientFactory} switches on the variant rather than configuring HTTP auth.
 */
public sealed interface OpenSearchAuth permits OpenSearchAuth.None, OpenSearchAuth.Basic, OpenSearchAuth.SigV4 {

    static OpenSearchAuth none() {
        return new None();
    }

    static OpenSearchAuth basic(String username, String password) {
        return new Basic(username, password);
    }

    static OpenSearchAuth sigV4(String service, Region region, AwsCredentialsProvider credentials) {
        return new SigV4(service, region, credentials);
    }

    /**
     * SigV4 with the region and credentials the SDK finds itself (AWS_REGION, the profile, or the EC2 instance's
     * metadata; the instance role's credentials), as every other AWS client of the worker does.
     *
     * @throws IllegalStateException naming what to set when no region can be found
     */
    static OpenSearchAuth sigV4FromDefaultChains(String service) {
        Region region;
        try {
            region = new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            throw new IllegalStateException("OPENSEARCH_AUTH=sigv4 needs an AWS region: set AWS_REGION (or a profile "
                    + "region); on EC2 it comes from the instance metadata", e);
        }
        return new SigV4(service, region, DefaultCredentialsProvider.builder().build());
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

    /**
     * AWS Signature V4: service {@code es} for Amazon OpenSearch Service domains, {@code aoss} for Serverless
     * collections.
     */
    record SigV4(String service, Region region, AwsCredentialsProvider credentials) implements OpenSearchAuth {
        public static final Set<String> SERVICES = Set.of("es", "aoss");

        public SigV4 {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(credentials, "credentials");
            if (!SERVICES.contains(service)) {
                throw new IllegalArgumentException("SigV4 service must be es or aoss, got: " + service);
            }
        }

        /** Names the credentials provider only: some providers print their access key id. */
        @Override
        public String toString() {
            return "SigV4[service=" + service + ", region=" + region.id() + ", credentials="
                    + credentials.getClass().getSimpleName() + "]";
        }
    }
}

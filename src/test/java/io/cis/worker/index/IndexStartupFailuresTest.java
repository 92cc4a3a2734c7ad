package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cis.worker.core.Reason;
import io.cis.worker.retry.StartupFailure;
import io.cis.worker.retry.StartupFailure.Kind;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.ErrorResponse;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.transport.TransportException;
import software.amazon.awssdk.core.exception.SdkClientException;

class IndexStartupFailuresTest {

    private static OpenSearchException answered(int status, String type) {
        return new OpenSearchException(ErrorResponse.of(r -> r.status(status)
                .error(ErrorCause.of(e -> e.type(type).reason("because")))));
    }

    private static void assertVerdict(Kind kind, Reason reason, Exception failure) {
        StartupFailure verdict = IndexStartupFailures.classify(failure);
        assertEquals(kind, verdict.kind(), verdict.toString());
        assertEquals(reason, verdict.reason(), verdict.toString());
    }

    @Test
    void noAnswerIsWaitedOut() {
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNREACHABLE, new ConnectException("Connection refused"));
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNREACHABLE, new SocketTimeoutException("Read timed out"));
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNREACHABLE, new UnknownHostException("vpc-search.example"));
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNREACHABLE,
                new TransportException("Connection reset", new java.io.IOException("Connection reset by peer")));
    }

    @Test
    void unavailableAndThrottledAnswersAreWaitedOut() {
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNAVAILABLE, answered(503, "cluster_block_exception"));
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNAVAILABLE, answered(500, "exception"));
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_THROTTLED, answered(429, "circuit_breaking_exception"));
        // The set-up's own GETs report the status they got, and a failed create wraps OpenSearch's answer.
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNAVAILABLE,
                new IndexSetupException("GET /cis-files/_mapping answered 503: ", 503));
        assertVerdict(Kind.TRANSIENT, Reason.INDEX_UNAVAILABLE,
                new IndexSetupException("could not create index", answered(503, "master_not_discovered_exception")));
    }

    @Test
    void accessDeniedIsRetriedForABoundedTime() {
        assertVerdict(Kind.ACCESS_DENIED, Reason.INDEX_ACCESS_DENIED, answered(403, "security_exception"));
        assertVerdict(Kind.ACCESS_DENIED, Reason.INDEX_ACCESS_DENIED, answered(401, "security_exception"));
        assertVerdict(Kind.ACCESS_DENIED, Reason.INDEX_ACCESS_DENIED,
                new IndexSetupException("GET /cis-files/_mapping answered 403: ", 403));
        assertVerdict(Kind.ACCESS_DENIED, Reason.INDEX_ACCESS_DENIED, SdkClientException.create(
                "Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain"));
    }

    @Test
    void whatNoRetryFixesStopsAtOnce() {
        assertVerdict(Kind.PERMANENT, Reason.INDEX_MAPPING_CONFLICT, new IndexSetupException(
                "index cis-files: image_embedding is a knn_vector of dimension 768, not 512"));
        assertVerdict(Kind.PERMANENT, Reason.INDEX_MAPPING_CONFLICT, new IndexSetupException(
                "could not create index cis-files", answered(400, "illegal_argument_exception")));
        assertVerdict(Kind.PERMANENT, Reason.INDEX_ERROR, answered(400, "illegal_argument_exception"));
        assertVerdict(Kind.PERMANENT, Reason.INDEX_ERROR, new IllegalArgumentException("a bug"));
    }
}

package io.cis.worker.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class FetchRetryDecisionTest {

    @Test
    void serverErrorsAndThrottlingAreRetried() {
        assertTrue(retried(s3(500, "InternalError")));
        assertTrue(retried(s3(503, "SlowDown")));
        assertTrue(retried(s3(503, "ServiceUnavailable")));
        assertTrue(retried(s3(429, "TooManyRequestsException")));
        assertTrue(retried(s3(400, "RequestTimeout"))); // S3 answers a stalled upload/download with 400 RequestTimeout
    }

    @Test
    void noAnswerAtAllIsRetried() {
        assertTrue(retried(SdkClientException.create("Unable to execute HTTP request: Connection refused",
                new ConnectException("Connection refused"))));
        assertTrue(retried(ApiCallAttemptTimeoutException.create(30_000)));
        assertTrue(retried(new IOException("Premature end of Content-Length delimited message body")));
        assertTrue(FetchRetryDecision.worthRetrying(FetchException.transientFailure(Reason.S3_ERROR, "no cause", null)));
    }

    @Test
    void answersAnOperatorMustFixAreLeftToTheQueue() {
        assertFalse(retried(s3(403, "AccessDenied")));
        assertFalse(retried(s3(400, "InvalidArgument")));
        assertFalse(retried(s3(301, "PermanentRedirect")));
    }

    @Test
    void permanentFailuresAreNeverRetried() {
        S3Exception notFound = (S3Exception) NoSuchKeyException.builder().statusCode(404)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchKey").build()).build();
        FetchException classified = S3ObjectFetcher.classify(notFound);
        assertTrue(classified.isPermanent());
        assertFalse(FetchRetryDecision.worthRetrying(classified));
        assertFalse(FetchRetryDecision.worthRetrying(FetchException.permanent(Reason.OBJECT_TOO_LARGE, "", null)));
    }

    @Test
    void unexpectedExceptionsAreNotRetried() {
        assertFalse(FetchRetryDecision.worthRetrying(new IllegalStateException("a bug")));
        assertFalse(FetchRetryDecision.worthRetrying(null));
    }

    @Test
    void theExistingClassifierMakesServerErrorsTransient() {
        FetchException e = S3ObjectFetcher.classify(s3(503, "SlowDown"));
        assertFalse(e.isPermanent());
        assertEquals("s3_error: HTTP 503 SlowDown", e.getMessage());
    }

    private static boolean retried(Exception cause) {
        FetchException failure = cause instanceof S3Exception s3
                ? S3ObjectFetcher.classify(s3)
                : FetchException.transientFailure(Reason.S3_UNREACHABLE, cause.getMessage(), cause);
        return FetchRetryDecision.worthRetrying(failure);
    }

    private static S3Exception s3(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}

package io.cis.worker.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cis.worker.core.Reason;
import io.cis.worker.retry.StartupFailure;
import io.cis.worker.retry.StartupFailure.Kind;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SqsException;

class QueueStartupFailuresTest {

    private static SqsException answered(int status, String code) {
        return (SqsException) SqsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("because").build()).build();
    }

    private static void assertVerdict(Kind kind, Reason reason, Exception failure) {
        StartupFailure verdict = QueueStartupFailures.classify(failure);
        assertEquals(kind, verdict.kind(), verdict.toString());
        assertEquals(reason, verdict.reason(), verdict.toString());
    }

    @Test
    void noAnswerIsWaitedOut() {
        assertVerdict(Kind.TRANSIENT, Reason.SQS_UNREACHABLE, SdkClientException.builder()
                .message("Unable to execute HTTP request: Connection refused").cause(new ConnectException("refused")).build());
        assertVerdict(Kind.TRANSIENT, Reason.SQS_UNREACHABLE, SdkClientException.builder()
                .message("Unable to execute HTTP request: sqs.vpce.example").cause(new UnknownHostException("sqs.vpce.example"))
                .build());
        assertVerdict(Kind.TRANSIENT, Reason.SQS_UNREACHABLE, ApiCallAttemptTimeoutException.create(25_000));
    }

    @Test
    void serverErrorsAndThrottlingAreWaitedOut() {
        assertVerdict(Kind.TRANSIENT, Reason.SQS_ERROR, answered(503, "ServiceUnavailable"));
        assertVerdict(Kind.TRANSIENT, Reason.SQS_ERROR, answered(500, "InternalError"));
        assertVerdict(Kind.TRANSIENT, Reason.SQS_ERROR, answered(400, "ThrottlingException"));
        assertVerdict(Kind.TRANSIENT, Reason.SQS_ERROR, answered(400, "RequestThrottled"));
    }

    @Test
    void accessDeniedIsRetriedForABoundedTime() {
        assertVerdict(Kind.ACCESS_DENIED, Reason.SQS_ACCESS_DENIED, answered(403, "AccessDenied"));
        assertVerdict(Kind.ACCESS_DENIED, Reason.SQS_ACCESS_DENIED, answered(400, "AccessDeniedException"));
        assertVerdict(Kind.ACCESS_DENIED, Reason.SQS_ACCESS_DENIED, answered(400, "InvalidClientTokenId"));
        assertVerdict(Kind.ACCESS_DENIED, Reason.SQS_ACCESS_DENIED, SdkClientException.create(
                "Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain"));
    }

    @Test
    void aMissingQueueAndOtherClientErrorsStopAtOnce() {
        assertVerdict(Kind.PERMANENT, Reason.QUEUE_NOT_FOUND, QueueDoesNotExistException.builder().statusCode(400)
                .message("The specified queue does not exist.").build());
        assertVerdict(Kind.PERMANENT, Reason.QUEUE_NOT_FOUND, answered(400, "AWS.SimpleQueueService.NonExistentQueue"));
        assertVerdict(Kind.PERMANENT, Reason.SQS_ERROR, answered(400, "InvalidAddress"));
        assertVerdict(Kind.PERMANENT, Reason.SQS_ERROR, new IllegalArgumentException("not a URL"));
    }
}

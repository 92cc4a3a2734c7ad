package io.cis.worker.source;

import io.cis.worker.core.Reason;
import io.cis.worker.retry.StartupFailure;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * What a failed look at the queue at start-up (GetQueueAttributes) means: wait for SQS, or stop. Pure, from the
 * exception alone.
 *
 * <ul>
 *   <li>No answer (connection refused or reset, timeouts, a name that does not resolve yet, e.g. a new VPC endpoint)
 *       and 5xx or throttling: transient.</li>
 *   <li>401, 403 and the access-denied error codes, and no credentials yet: access denied (a new instance role).</li>
 *   <li>The queue does not exist, and every other 4xx (a malformed queue URL, a wrong region): permanent.</li>
 * </ul>
 */
public final class QueueStartupFailures {

    private static final Set<String> MISSING_QUEUE_CODES = Set.of(
            "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist");
    private static final Set<String> ACCESS_DENIED_CODES = Set.of(
            "AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId",
            "ExpiredToken", "ExpiredTokenException", "KMS.AccessDeniedException");
    private static final Set<String> THROTTLING_CODES = Set.of(
            "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequestsException", "ServiceUnavailable",
            "InternalError", "InternalFailure", "KmsThrottled", "KMS.ThrottlingException");

    private QueueStartupFailures() {
    }

    public static StartupFailure classify(Exception failure) {
        String detail = StartupFailure.describe(failure);
        if (failure instanceof QueueDoesNotExistException) {
            return StartupFailure.permanent(Reason.QUEUE_NOT_FOUND, detail);
        }
        if (failure instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
                    ? "" : e.awsErrorDetails().errorCode();
            int status = e.statusCode();
            if (MISSING_QUEUE_CODES.contains(code)) {
                return StartupFailure.permanent(Reason.QUEUE_NOT_FOUND, detail);
            }
            if (e.isThrottlingException() || THROTTLING_CODES.contains(code)
                    || status >= 500 || status == 429 || status == 408) {
                return StartupFailure.transientFailure(Reason.SQS_ERROR, detail);
            }
            if (status == 401 || status == 403 || ACCESS_DENIED_CODES.contains(code)) {
                return StartupFailure.accessDenied(Reason.SQS_ACCESS_DENIED, detail);
            }
            return StartupFailure.permanent(Reason.SQS_ERROR, detail);
        }
        if (StartupFailure.isMissingCredentials(failure)) {
            return StartupFailure.accessDenied(Reason.SQS_ACCESS_DENIED, detail);
        }
        if (failure instanceof SdkClientException) {
            return StartupFailure.transientFailure(Reason.SQS_UNREACHABLE, detail);
        }
        return StartupFailure.permanent(Reason.SQS_ERROR, detail);
    }
}

package io.cis.worker.ops;

import io.cis.worker.core.Reason;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The reason code of a failed call to an AWS service, for the {@code reason} field of a warning that is not an
 * item's outcome (receive failed, delete failed, ...); the exception's text goes into {@code detail}.
 */
public final class FailureReasons {

    private FailureReasons() {
    }

    /**
     * @param unreachable the code when no answer came (SdkClientException: refused, reset, timeout)
     * @param error       the code when the service answered with an error
     * @return one of the two, or {@link Reason#INTERNAL_ERROR} when the failure did not come from the SDK (a bug)
     */
    public static Reason ofAwsCall(Throwable failure, Reason unreachable, Reason error) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AwsServiceException) {
                return error;
            }
            if (t instanceof SdkClientException) {
                return unreachable;
            }
        }
        return Reason.INTERNAL_ERROR;
    }

    /** {@link #ofAwsCall} for SQS. */
    public static Reason ofSqsCall(Throwable failure) {
        return ofAwsCall(failure, Reason.SQS_UNREACHABLE, Reason.SQS_ERROR);
    }
}

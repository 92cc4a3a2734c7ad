package io.cis.worker.fetch;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Whether a failed GET is worth trying again at once, within the same delivery. Pure: decided from the exception
 * alone, so every rule is unit-tested.
 *
 * <ul>
 *   <li>Permanent failures never (404, too large): the same GET gives the same answer.</li>
 *   <li>Transient failures that pass with time: S3 5xx, throttling (429, {@code SlowDown}, {@code Throttling*}),
 *       {@code RequestTimeout}, and no answer at all (connection refused or reset, timeouts, a body cut off).</li>
 *   <li>Other transient failures (403 and the rest of 4xx) are not retried here: they wait for an operator to fix
 *       a policy or a bucket, which takes longer than a backoff. The message returns to the queue after its
 *       visibility timeout and, if it keeps failing, ends in the dead-letter queue.</li>
 *   <li>Anything else (a bug, not an S3 answer) is not retried.</li>
 * </ul>
 */
public final class FetchRetryDecision {

    private static final Set<String> THROTTLING_CODES = Set.of(
            "slowdown", "throttling", "throttlingexception", "requestlimitexceeded", "toomanyrequestsexception",
            "requestthrottled", "requesttimeout", "internalerror", "serviceunavailable");

    private FetchRetryDecision() {
    }

    public static boolean worthRetrying(Throwable failure) {
        if (!(failure instanceof FetchException fetch) || fetch.isPermanent()) {
            return false;
        }
        Throwable cause = fetch.getCause();
        if (cause == null) {
            return true; // our own transient verdict without an SDK error behind it
        }
        if (cause instanceof S3Exception s3) {
            return isRetryableAnswer(s3.statusCode(), errorCode(s3));
        }
        // No usable answer: connection refused/reset, connect or read timeout, the attempt timeout, a cut-off body.
        return cause instanceof SdkClientException || cause instanceof IOException;
    }

    static boolean isRetryableAnswer(int status, String errorCode) {
        return status >= 500 || status == 429 || status == 408
                || THROTTLING_CODES.contains(errorCode.toLowerCase(Locale.ROOT));
    }

    private static String errorCode(S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return code == null ? "" : code;
    }
}

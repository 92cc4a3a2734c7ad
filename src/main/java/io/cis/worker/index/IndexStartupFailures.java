package io.cis.worker.index;

import io.cis.worker.core.Reason;
import io.cis.worker.retry.StartupFailure;
import java.io.IOException;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.transport.httpclient5.ResponseException;

/**
 * What a failed index set-up at start-up ({@link IndexSetup#ensureIndex()}) means: wait for OpenSearch, or stop.
 * Pure, from the exception alone.
 *
 * <ul>
 *   <li>No answer (connection refused or reset, timeouts, DNS) and 5xx, 408, 429: transient (a blue/green update,
 *       a domain still being created, a node restarting).</li>
 *   <li>401, 403, and no credentials for SigV4 yet: access denied (a role or a domain access policy propagating).</li>
 *   <li>The index cannot hold the embeddings (a conflicting mapping) or OpenSearch refused to create it with a 4xx
 *       (e.g. an unknown k-NN engine): permanent.</li>
 * </ul>
 */
public final class IndexStartupFailures {

    private IndexStartupFailures() {
    }

    public static StartupFailure classify(Exception failure) {
        int status = statusIn(failure);
        String detail = failure instanceof IndexSetupException ? failure.getMessage() : OpenSearchErrors.describe(failure);
        if (StartupFailure.isMissingCredentials(failure)) {
            return StartupFailure.accessDenied(Reason.INDEX_ACCESS_DENIED, detail);
        }
        if (status == BulkItemResult.NO_ANSWER) {
            if (failure instanceof IndexSetupException) {
                return StartupFailure.permanent(Reason.INDEX_MAPPING_CONFLICT, detail);
            }
            return hasIoCause(failure) ? StartupFailure.transientFailure(Reason.INDEX_UNREACHABLE, detail)
                    : StartupFailure.permanent(Reason.INDEX_ERROR, detail);
        }
        if (status == 401 || status == 403) {
            return StartupFailure.accessDenied(Reason.INDEX_ACCESS_DENIED, detail);
        }
        if (status >= 500 || status == 408 || status == 429) {
            return StartupFailure.transientFailure(BulkItemClassifier.transientReason(status), detail);
        }
        return StartupFailure.permanent(
                failure instanceof IndexSetupException ? Reason.INDEX_MAPPING_CONFLICT : Reason.INDEX_ERROR, detail);
    }

    /** The HTTP status of the answer behind the failure, looking through causes; NO_ANSWER if there was none. */
    private static int statusIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OpenSearchException e) {
                return e.status();
            }
            if (t instanceof ResponseException e) {
                return e.status();
            }
            if (t instanceof IndexSetupException e && e.status().isPresent()) {
                return e.status().getAsInt();
            }
        }
        return BulkItemResult.NO_ANSWER;
    }

    private static boolean hasIoCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}

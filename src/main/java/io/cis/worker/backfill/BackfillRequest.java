package io.cis.worker.backfill;

import java.util.Objects;

/**
 * What the operator asked for on the command line.
 *
 * @param source      where to find the images
 * @param bucket      the bucket to list (S3 source), or the bucket of documents without a bucket field (OpenSearch)
 * @param prefix      key prefix to list (S3 source), or null
 * @param limit       most images to select, 0 for all
 * @param retryFailed also select documents that carry an image_embedding_error
 * @param queueUrl    the queue --enqueue publishes to
 * @param rateLimit   images/s overriding BACKFILL_RATE_LIMIT, or null
 */
public record BackfillRequest(Source source, String bucket, String prefix, Slice slice, Backfill.Mode mode, long limit,
                              boolean retryFailed, String queueUrl, Double rateLimit) {

    public enum Source { OPENSEARCH, S3 }

    public BackfillRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(slice, "slice");
        Objects.requireNonNull(mode, "mode");
    }
}

package io.cis.worker.pipeline;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.FilterDecision;
import io.cis.worker.event.ObjectFilter;
import io.cis.worker.event.S3ObjectRef;

/** The front door shared by the queue and the backfill: filters an object, then processes, skips or fails it. */
public final class Intake {

    private final ObjectFilter filter;
    private final Pipeline pipeline;

    public Intake(ObjectFilter filter, Pipeline pipeline) {
        this.filter = filter;
        this.pipeline = pipeline;
    }

    /** Blocks while the pipeline is full. */
    public void offer(S3ObjectRef object, String explicitDocumentId, Settlement settlement, long enqueuedAtMillis)
            throws InterruptedException {
        offer(object, explicitDocumentId, settlement, enqueuedAtMillis, false);
    }

    /**
     * @param knownImage the backfill's BACKFILL_IMAGE_QUERY chose it as an image: no extension check (the decoder
     *                   reads the format from the bytes), else it would be skipped and selected again on every run
     */
    public void offer(S3ObjectRef object, String explicitDocumentId, Settlement settlement, long enqueuedAtMillis,
                      boolean knownImage) throws InterruptedException {
        WorkItem item = new WorkItem(object, explicitDocumentId, settlement, enqueuedAtMillis);
        FilterDecision decision = filter.classify(object, knownImage);
        switch (decision) {
            case ACCEPT -> pipeline.submit(item);
            case TOO_LARGE -> pipeline.submitFailure(item, Outcome.permanent(Reason.OBJECT_TOO_LARGE, object.size()
                    + " bytes exceeds MAX_OBJECT_BYTES " + filter.maxObjectBytes()));
            // The outcome line's s3_url names the bucket; the detail says which setting left it out.
            case SKIP_BUCKET -> pipeline.settleDirectly(item, Outcome.skipped(Reason.BUCKET_NOT_ALLOWED,
                    "bucket " + object.bucket() + " is not in S3_BUCKETS"));
            case SKIP_NOT_IMAGE, SKIP_PREFIX -> pipeline.settleDirectly(item, Outcome.skipped(decision.skipReason().orElseThrow(), ""));
        }
    }
}

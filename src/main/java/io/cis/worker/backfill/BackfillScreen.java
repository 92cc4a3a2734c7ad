package io.cis.worker.backfill;

import io.cis.worker.core.Reason;
import io.cis.worker.event.FilterDecision;
import io.cis.worker.event.ObjectFilter;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Which candidates are usable images, decided before one is selected: the daemon's object filter (KEY_PREFIXES,
 * IMAGE_EXTENSIONS). Only usable images count against --limit and the rate limit and as "would process" in a dry
 * run; the rest are counted as skipped, so a limit over a page of non-images still reaches the images after them.
 * An object over the size limit is usable: the daemon records that failure on its document.
 */
public final class BackfillScreen {

    private static final Logger log = LoggerFactory.getLogger(BackfillScreen.class);

    private final ObjectFilter filter;
    private final boolean knownImagesUsable;

    /**
     * @param knownImagesUsable whether an extension-less image the operator's query chose can be processed: yes
     *                          when this process embeds it (direct run, dry run), no when it is enqueued, since the
     *                          daemon judges a queued key by its extension alone
     */
    public BackfillScreen(ObjectFilter filter, boolean knownImagesUsable) {
        this.filter = filter;
        this.knownImagesUsable = knownImagesUsable;
    }

    /** Why the candidate is passed over, or empty when it is a usable image. */
    public Optional<Reason> reject(BackfillCandidate candidate) {
        FilterDecision decision = filter.classify(candidate.object(), candidate.knownImage() && knownImagesUsable);
        if (decision == FilterDecision.SKIP_BUCKET) {
            // Another account's or an unknown bucket named by a document: worth a line of its own, not only a count.
            log.info("backfill: bucket not in S3_BUCKETS, skipped", kv("s3_url", candidate.object().s3Url()),
                    kv("document_id", candidate.documentId()), kv("reason", Reason.BUCKET_NOT_ALLOWED.code()));
        }
        return decision == FilterDecision.ACCEPT || decision == FilterDecision.TOO_LARGE
                ? Optional.empty() : decision.skipReason();
    }
}

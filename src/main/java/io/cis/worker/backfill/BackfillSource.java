package io.cis.worker.backfill;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/** Where a backfill finds its images, one page at a time, so a source of millions never sits in memory. */
public interface BackfillSource extends AutoCloseable {

    /** How many candidates the source holds, when it can know without reading them all. */
    OptionalLong total();

    /** The next page; an empty list when the source is exhausted. */
    List<BackfillCandidate> nextPage() throws IOException;

    /** Candidates the source read but could not turn into an image location (counted as skipped). */
    default long unusable() {
        return 0;
    }

    /**
     * Called between candidates while a page is worked through (which can take long at a low rate limit), so
     * server-side state the next page needs (the point in time) stays alive; never throws.
     */
    default void keepAlive() {
    }

    /** Releases server-side state (the point in time); never throws. */
    @Override
    void close();
}

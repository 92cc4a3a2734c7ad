package io.cis.worker.pipeline;

import io.cis.worker.core.Outcome;

import java.util.List;

/**
 * Writes a batch to the search index in one bulk request: embedded items get their vector, items that failed
 * permanently get their reason recorded. Returns one outcome per item, in order.
 */
public interface DocumentIndexer {
    List<Outcome> index(List<WorkItem> batch);
}

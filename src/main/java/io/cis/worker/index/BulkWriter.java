package io.cis.worker.index;

import java.util.List;

/** Writes bulk items and reports, for each, what became of it (one result per item, in order). */
@FunctionalInterface
public interface BulkWriter {
    List<BulkItemResult> index(List<? extends BulkItem> items);
}

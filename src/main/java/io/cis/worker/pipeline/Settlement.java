package io.cis.worker.pipeline;

import io.cis.worker.core.Outcome;

/**
 * Where an item reports its outcome: an SQS message (deleted once all its items are final) or a backfill
 * counter. The pipeline calls it exactly once per item.
 */
@FunctionalInterface
public interface Settlement {
    void settle(WorkItem item, Outcome outcome);
}

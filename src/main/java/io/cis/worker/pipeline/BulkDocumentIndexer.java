package io.cis.worker.pipeline;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.index.BulkWriter;
import io.cis.worker.index.BulkItem;
import io.cis.worker.index.BulkItemResult;
import io.cis.worker.index.DocumentIdResolution;
import io.cis.worker.index.DocumentIdResolver;
import io.cis.worker.index.DocumentRef;
import io.cis.worker.index.EmbeddingUpdate;
import io.cis.worker.index.ErrorRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maps pipeline items to bulk actions: resolves each item's document(s), sends one bulk request for the batch,
 * and folds the per-document results back into one outcome per item.
 *
 * <p>{@code image_embedding_updated_at} is when the embedding was computed ({@link WorkItem#embeddedAt()}), not the
 * time of the write, so a replayed or re-run image sends the very same document and OpenSearch reports a no-op,
 * which the item carries on as {@link WorkItem#documentUnchanged()}.
 *
 * <p>In lookup mode a key with no document yet is a transient failure: the indexer that creates documents may
 * simply not have got there, and the queue retries it later (then dead-letters it if it never appears).
 */
public final class BulkDocumentIndexer implements DocumentIndexer {

    private final DocumentIdResolver resolver;
    private final BulkWriter bulk;
    private final String modelName;

    public BulkDocumentIndexer(DocumentIdResolver resolver, BulkWriter bulk, String modelName) {
        this.resolver = resolver;
        this.bulk = bulk;
        this.modelName = modelName;
    }

    @Override
    public List<Outcome> index(List<WorkItem> batch) {
        List<DocumentRef> refs = batch.stream()
                .map(item -> new DocumentRef(item.object().bucket(), item.object().key(), item.explicitDocumentId()))
                .toList();
        Map<DocumentRef, DocumentIdResolution> resolutions;
        try {
            resolutions = resolver.resolve(refs);
        } catch (IOException | RuntimeException e) {
            return batch.stream().map(item -> Outcome.transientFailure(Reason.DOCUMENT_LOOKUP_FAILED, e.getMessage())).toList();
        }

        Outcome[] outcomes = new Outcome[batch.size()];
        List<BulkItem> actions = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            WorkItem item = batch.get(i);
            DocumentIdResolution resolution = resolutions.get(refs.get(i));
            if (resolution == null || !resolution.isResolved()) {
                outcomes[i] = unresolved(item, resolution);
                continue;
            }
            item.resolvedDocumentId(String.join(",", resolution.ids()));
            for (String id : resolution.ids()) {
                actions.add(item.permanentFailure() != null
                        ? new ErrorRecord(id, item.permanentFailure().describe(), item.sourceVersion())
                        : new EmbeddingUpdate(id, item.object().bucket(), item.object().key(), item.embedding(),
                        modelName, item.imageHash(), item.embeddedAt(), item.sourceVersion()));
                owners.add(i);
            }
        }
        if (!actions.isEmpty()) {
            List<BulkItemResult> results = bulk.index(actions);
            // An item is unchanged only if every one of its documents was (several documents per key).
            boolean[] changed = new boolean[batch.size()];
            for (int a = 0; a < results.size(); a++) {
                int owner = owners.get(a);
                outcomes[owner] = worst(outcomes[owner], toOutcome(batch.get(owner), results.get(a)));
                changed[owner] |= !results.get(a).unchanged();
            }
            for (int owner : owners) {
                WorkItem item = batch.get(owner);
                item.documentUnchanged(item.permanentFailure() == null && !changed[owner]
                        && outcomes[owner].kind() == Outcome.Kind.INDEXED);
            }
        }
        return List.of(outcomes);
    }

    private static Outcome unresolved(WorkItem item, DocumentIdResolution resolution) {
        if (item.permanentFailure() != null) {
            return item.permanentFailure(); // nothing to record it on; the log line keeps it
        }
        if (resolution == null) {
            return Outcome.permanent(Reason.DOCUMENT_ID_INVALID, "document_not_resolved");
        }
        return switch (resolution.kind()) {
            case NOT_FOUND -> Outcome.transientFailure(Reason.DOCUMENT_NOT_FOUND, resolution.reason());
            case TOO_MANY -> Outcome.permanent(Reason.TOO_MANY_DOCUMENTS, resolution.reason());
            case INVALID, RESOLVED -> Outcome.permanent(Reason.DOCUMENT_ID_INVALID, resolution.reason());
        };
    }

    /** The outcome of one document write, seen from the item. */
    private static Outcome toOutcome(WorkItem item, BulkItemResult result) {
        if (item.permanentFailure() != null) {
            // Recording the failure is best effort, except that a transient error must keep the message for a retry,
            // and a failure of a picture the document has moved past is no failure of the key's any more.
            return switch (result.status()) {
                case FAILED_TRANSIENT, SUPERSEDED -> result.outcome();
                case INDEXED, FAILED_PERMANENT -> item.permanentFailure();
            };
        }
        return result.outcome();
    }

    /** With several documents per key, the item is only as good as its worst write. */
    private static Outcome worst(Outcome current, Outcome next) {
        if (current == null) {
            return next;
        }
        return rank(next) > rank(current) ? next : current;
    }

    private static int rank(Outcome outcome) {
        return switch (outcome.kind()) {
            case INDEXED, SKIPPED -> 0;
            case FAILED_PERMANENT -> 1;
            case FAILED_TRANSIENT -> 2;
        };
    }
}

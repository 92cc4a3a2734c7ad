package io.cis.worker.index;

import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch._types.BuiltinScriptLanguage;
import org.opensearch.client.opensearch._types.Script;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * Turns bulk items into {@code update} actions that only ever move a document forward.
 *
 * <p><b>The newest picture wins.</b> S3 and SQS deliver at least once and in no particular order, and two versions
 * of one key can be in the pipeline at once, finishing in either order. So every update is a small painless script
 * ({@link #SCRIPT}) that compares the write's {@link SourceVersion} with the one the document holds
 * ({@code image_source_sequencer}, {@code image_source_modified}) and changes nothing ({@code ctx.op = 'none'})
 * when the write is older; the comparison happens on the shard, under the document's lock, so no race between two
 * workers can slip an older write past it. The response carries the document's stored version back
 * ({@code _source} filtered to those two fields), which tells a write skipped as older ({@link
 * BulkItemClassifier}: {@code superseded}) from one that found the same values already there.
 *
 * <p><b>Replays are no-ops.</b> Every field written depends only on the image, the model and the picture's version:
 * {@code image_embedding_updated_at} is when the embedding was computed (the cache entry's time, whole seconds). The
 * script writes only when some field differs and otherwise answers {@code "result": "noop"} as {@code detect_noop}
 * did for the partial documents this replaced: no new version, no new vector in the HNSW graph.
 * {@code image_embedding_error} is written as null, which clears a previous error for {@code exists} and
 * {@code term} queries (OpenSearch does not index nulls); the {@code upsert} document carries it too, so the first
 * replay after an upsert is a no-op as well.
 *
 * <p>Scripted updates need inline painless scripts, which OpenSearch allows by default ({@code script.allowed_types});
 * a domain that forbids them rejects every update, and the start-up write check says so.
 */
final class BulkActions {

    /** The update: skip an older write, otherwise set {@code params.doc}'s fields, and write nothing if none changed. */
    static final String SCRIPT = String.join("\n",
            "def s = ctx._source;",
            "if (params.sequencer != null && s." + DocumentFields.IMAGE_SOURCE_SEQUENCER + " != null) {",
            "  String mine = params.sequencer; String stored = s." + DocumentFields.IMAGE_SOURCE_SEQUENCER + ".toString();",
            "  if (mine.length() < stored.length() || (mine.length() == stored.length() && mine.compareTo(stored) < 0)) {",
            "    ctx.op = 'none'; return;",
            "  }",
            "} else if (params.modified != null && s." + DocumentFields.IMAGE_SOURCE_MODIFIED + " != null",
            "    && params.modified.compareTo(s." + DocumentFields.IMAGE_SOURCE_MODIFIED + ".toString()) < 0) {",
            "  ctx.op = 'none'; return;",
            "}",
            "boolean changed = false;",
            "for (def field : params.doc.entrySet()) {",
            "  if (!s.containsKey(field.getKey()) || s[field.getKey()] != field.getValue()) {",
            "    s[field.getKey()] = field.getValue(); changed = true;",
            "  }",
            "}",
            "if (!changed) { ctx.op = 'none'; }");

    private final MissingDocumentPolicy missingDocumentPolicy;
    private final int retryOnConflict;

    BulkActions(MissingDocumentPolicy missingDocumentPolicy, int retryOnConflict) {
        this.missingDocumentPolicy = Objects.requireNonNull(missingDocumentPolicy, "missingDocumentPolicy");
        if (retryOnConflict < 0) {
            throw new IllegalArgumentException("retryOnConflict must not be negative, got " + retryOnConflict);
        }
        this.retryOnConflict = retryOnConflict;
    }

    BulkOperation toOperation(BulkItem item) {
        if (item instanceof EmbeddingUpdate update) {
            return embeddingUpdate(update);
        }
        ErrorRecord record = (ErrorRecord) item;
        // Never an upsert: see MissingDocumentPolicy.
        JsonObjectBody doc = withSource(new JsonObjectBody().put(DocumentFields.IMAGE_EMBEDDING_ERROR, record.reason()),
                record.source());
        return update(record.documentId(), doc, record.source(), null);
    }

    private BulkOperation embeddingUpdate(EmbeddingUpdate update) {
        JsonObjectBody doc = withSource(new JsonObjectBody()
                .put(DocumentFields.IMAGE_EMBEDDING, update.embedding())
                .put(DocumentFields.HAS_IMAGE_EMBEDDING, true)
                .put(DocumentFields.IMAGE_EMBEDDING_MODEL, update.model())
                .put(DocumentFields.IMAGE_EMBEDDING_UPDATED_AT,
                        update.updatedAt().truncatedTo(ChronoUnit.MILLIS).toString())
                .put(DocumentFields.IMAGE_HASH, update.imageHash())
                .putNull(DocumentFields.IMAGE_EMBEDDING_ERROR), update.source());
        if (missingDocumentPolicy != MissingDocumentPolicy.UPSERT) {
            return update(update.documentId(), doc, update.source(), null);
        }
        // A missing document is created from "upsert" as is (the script does not run), so it carries the whole
        // "doc" too (see the class comment for the null error), plus where the image lives.
        JsonObjectBody created = new JsonObjectBody().putAll(doc)
                .put(DocumentFields.S3_BUCKET, update.bucket())
                .put(DocumentFields.S3_KEY, update.key())
                .put(DocumentFields.S3_URL, update.s3Url());
        return update(update.documentId(), doc, update.source(), created);
    }

    /** The fields that order later writes: only those known, so an unknown one never erases a known one. */
    private static JsonObjectBody withSource(JsonObjectBody doc, SourceVersion source) {
        if (source.sequencer() != null) {
            doc.put(DocumentFields.IMAGE_SOURCE_SEQUENCER, source.sequencer());
        }
        if (source.lastModified() != null) {
            doc.put(DocumentFields.IMAGE_SOURCE_MODIFIED, source.lastModifiedText());
        }
        return doc;
    }

    private BulkOperation update(String documentId, JsonObjectBody doc, SourceVersion source, JsonObjectBody upsert) {
        Map<String, JsonData> params = new LinkedHashMap<>();
        params.put("doc", JsonData.of(doc));
        if (source.sequencer() != null) {
            params.put("sequencer", JsonData.of(source.sequencer()));
        }
        if (source.lastModified() != null) {
            params.put("modified", JsonData.of(source.lastModifiedText()));
        }
        Script script = Script.of(s -> s.inline(i -> i.lang(l -> l.builtin(BuiltinScriptLanguage.Painless)).source(SCRIPT).params(params)));
        return BulkOperation.of(op -> op.update(u -> {
            u.id(documentId)
                    .retryOnConflict(retryOnConflict)
                    .script(script)
                    .source(sc -> sc.filter(f -> f.includes(DocumentFields.IMAGE_SOURCE_SEQUENCER,
                            DocumentFields.IMAGE_SOURCE_MODIFIED)));
            if (upsert != null) {
                u.upsert(upsert);
            }
            return u;
        }));
    }
}

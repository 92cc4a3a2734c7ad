package io.cis.worker.index;

/** One item of a bulk request: an embedding to write, or a permanent failure to record on the document. */
public sealed interface BulkItem permits EmbeddingUpdate, ErrorRecord {

    /** The id of the document to update. */
    String documentId();

    /** Where the written picture stands in its key's history; an older write never replaces a newer one. */
    SourceVersion source();
}

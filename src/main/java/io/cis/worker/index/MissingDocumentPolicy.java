package io.cis.worker.index;

/**
 * What an embedding update does when its document does not exist.
 *
 * <p>The documents are normally created by another indexer, and an S3 notification can arrive before that
 * indexer has written the file's document. {@link #UPSERT} wins that race by creating a document with the S3
 * fields and the embedding, but the indexer must then update (not overwrite) the document or the embedding is
 * lost. {@link #FAIL} never creates documents and records a permanent failure. {@link #RETRY} treats the missing
 * document as transient, so the message is retried and, if the document never appears, ends in the dead-letter
 * queue after the queue's maxReceiveCount.
 *
 * <p>Failure records ({@link ErrorRecord}) never create a document, whatever the policy: a document holding only
 * an error for an object nobody indexed would be noise in the index.
 */
public enum MissingDocumentPolicy {
    UPSERT,
    FAIL,
    RETRY
}

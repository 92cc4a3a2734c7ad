package io.cis.worker.index;

/** How an S3 object maps to the id of the OpenSearch document that gets its embedding. */
public enum DocumentIdMode {
    /** The S3 key itself is the document id (fails for keys over OpenSearch's 512-byte id limit). */
    KEY,
    /**
     * The lowercase hex SHA-256 of the UTF-8 bytes of {@code s3://BUCKET/KEY}, with the key exactly as stored in S3
     * (URL-decoded, not escaped). See {@link DocumentIdResolver#urlHash(String, String)}.
     */
    URL_HASH,
    /** The ids of the documents whose lookup field (default {@code s3_key}) equals the key: a search per batch. */
    LOOKUP
}

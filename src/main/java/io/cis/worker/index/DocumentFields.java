package io.cis.worker.index;

/**
 * Names of the OpenSearch document fields this worker reads and writes. Every other class refers to these
 * constants, so a field is renamed in exactly one place.
 */
public final class DocumentFields {

    /** The CLIP image embedding, a {@code knn_vector}. */
    public static final String IMAGE_EMBEDDING = "image_embedding";
    /** {@code true} once {@link #IMAGE_EMBEDDING} holds a vector. */
    public static final String HAS_IMAGE_EMBEDDING = "has_image_embedding";
    /** Name of the model that produced the embedding, e.g. {@code openai/clip-vit-base-patch32}. */
    public static final String IMAGE_EMBEDDING_MODEL = "image_embedding_model";
    /** When the embedding was computed (a {@code date}, whole seconds): the same for every write of that embedding. */
    public static final String IMAGE_EMBEDDING_UPDATED_AT = "image_embedding_updated_at";
    /** MD5 hex of the image bytes the embedding was computed from; also the embedding cache key. */
    public static final String IMAGE_HASH = "image_hash";
    /** Why the image could not be embedded; cleared (set to null) by the next successful update. */
    public static final String IMAGE_EMBEDDING_ERROR = "image_embedding_error";

    /**
     * The S3 event sequencer of the picture the document's embedding (or error) came from, normalised upper-case
     * hex without leading zeros ({@link SourceVersion}); absent when the message carried none.
     */
    public static final String IMAGE_SOURCE_SEQUENCER = "image_source_sequencer";
    /** That picture's Last-Modified (a {@code date}, whole seconds), as the GET or HEAD returned it. */
    public static final String IMAGE_SOURCE_MODIFIED = "image_source_modified";

    /** S3 location fields, written when a missing document is upserted and used by the lookup id mode. */
    public static final String S3_BUCKET = "s3_bucket";
    public static final String S3_KEY = "s3_key";
    public static final String S3_URL = "s3_url";

    private DocumentFields() {
    }
}

package io.cis.worker.fetch;

import java.time.Instant;

/**
 * An object's bytes, the MD5 hex of them (the embedding cache's key, as the old Lambda computed it) and its
 * Last-Modified as the GET returned it (null if S3 gave none), which orders writes of the same key when the message
 * carried no S3 sequencer.
 */
public record FetchedObject(byte[] bytes, String md5Hex, Instant lastModified) {
}

package io.cis.worker.fetch;

/** An object's bytes and the MD5 hex of them, the embedding cache's key (as the old Lambda computed it). */
public record FetchedObject(byte[] bytes, String md5Hex) {
}

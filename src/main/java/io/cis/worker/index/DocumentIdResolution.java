package io.cis.worker.index;

import java.util.List;
import java.util.Objects;

/**
 * The documents one S3 object maps to.
 *
 * @param kind   whether ids were found
 * @param ids    the document ids; empty unless {@code kind} is {@link Kind#RESOLVED}. Several only in lookup
 *               mode, when several documents refer to the same key: all of them get the embedding.
 * @param reason why there are no ids; null when resolved
 */
public record DocumentIdResolution(Kind kind, List<String> ids, String reason) {

    public enum Kind {
        RESOLVED,
        /** Lookup mode found no document for the key. */
        NOT_FOUND,
        /** Lookup mode found more documents for the key than the configured maximum: a permanent failure. */
        TOO_MANY,
        /** The object cannot name a document, e.g. a key longer than OpenSearch's id limit. Permanent. */
        INVALID
    }

    public DocumentIdResolution {
        Objects.requireNonNull(kind, "kind");
        ids = List.copyOf(ids);
        if ((kind == Kind.RESOLVED) == ids.isEmpty()) {
            throw new IllegalArgumentException(kind + " with ids " + ids);
        }
    }

    public static DocumentIdResolution resolved(List<String> ids) {
        return new DocumentIdResolution(Kind.RESOLVED, ids, null);
    }

    public static DocumentIdResolution notFound(String reason) {
        return new DocumentIdResolution(Kind.NOT_FOUND, List.of(), reason);
    }

    public static DocumentIdResolution tooMany(String reason) {
        return new DocumentIdResolution(Kind.TOO_MANY, List.of(), reason);
    }

    public static DocumentIdResolution invalid(String reason) {
        return new DocumentIdResolution(Kind.INVALID, List.of(), reason);
    }

    public boolean isResolved() {
        return kind == Kind.RESOLVED;
    }
}

package io.cis.worker.index;

import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;

/**
 * Maps S3 objects to the ids of the documents that receive their embeddings, in one of the {@link DocumentIdMode}s.
 * An id carried by the message itself ({@link DocumentRef#explicitId()}) always wins and is never looked up.
 *
 * <p>Lookup mode runs one {@code terms} search per batch on the lookup field, which must be an exact-valued
 * ({@code keyword}) field holding the S3 key. The key alone is matched: the bucket is not part of the lookup. When
 * several documents hold the same key, all of them are returned and all get the embedding (they describe the same
 * bytes, and leaving some without a vector would make a backfill select them forever). More than
 * {@code maxDocumentsPerKey} documents for one key is treated as a misconfigured lookup field and reported as
 * {@link DocumentIdResolution.Kind#TOO_MANY}.
 */
public final class DocumentIdResolver {

    /** OpenSearch rejects ids longer than this many UTF-8 bytes. */
    public static final int MAX_ID_BYTES = 512;
    public static final String DEFAULT_LOOKUP_FIELD = DocumentFields.S3_KEY;
    public static final int DEFAULT_MAX_DOCUMENTS_PER_KEY = 10;
    /** OpenSearch's default {@code index.max_result_window}: a search cannot return more hits than this. */
    private static final int MAX_RESULT_WINDOW = 10_000;

    private final DocumentIdMode mode;
    private final OpenSearchClient client;
    private final String index;
    private final String lookupField;
    private final int maxDocumentsPerKey;
    private final LookupRetry retry;

    private DocumentIdResolver(DocumentIdMode mode, OpenSearchClient client, String index, String lookupField,
                               int maxDocumentsPerKey, LookupRetry retry) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.client = client;
        this.index = index;
        this.lookupField = lookupField;
        this.maxDocumentsPerKey = maxDocumentsPerKey;
        this.retry = retry;
    }

    public static DocumentIdResolver byKey() {
        return new DocumentIdResolver(DocumentIdMode.KEY, null, null, null, 0, LookupRetry.NONE);
    }

    public static DocumentIdResolver byUrlHash() {
        return new DocumentIdResolver(DocumentIdMode.URL_HASH, null, null, null, 0, LookupRetry.NONE);
    }

    /** Lookup mode with one attempt per search and no outage reporting. */
    public static DocumentIdResolver byLookup(OpenSearchClient client, String index, String lookupField,
                                              int maxDocumentsPerKey) {
        return byLookup(client, index, lookupField, maxDocumentsPerKey, LookupRetry.NONE);
    }

    /**
     * @param lookupField        exact-valued field holding the S3 key, usually {@link #DEFAULT_LOOKUP_FIELD}
     * @param maxDocumentsPerKey how many documents may share one key before it counts as a misconfiguration
     * @param retry              how each search is retried, and whom it tells about outages
     */
    public static DocumentIdResolver byLookup(OpenSearchClient client, String index, String lookupField,
                                              int maxDocumentsPerKey, LookupRetry retry) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(retry, "retry");
        requireText(index, "index");
        requireText(lookupField, "lookupField");
        if (maxDocumentsPerKey < 1) {
            throw new IllegalArgumentException("maxDocumentsPerKey must be at least 1, got " + maxDocumentsPerKey);
        }
        return new DocumentIdResolver(DocumentIdMode.LOOKUP, client, index, lookupField, maxDocumentsPerKey, retry);
    }

    public DocumentIdMode mode() {
        return mode;
    }

    /**
     * Resolves a batch. Lookup mode sends one search for the whole batch (more only if a key has more documents
     * than fit in one response).
     *
     * @return one resolution per distinct ref, in the order given
     * @throws IOException when the lookup search fails after its retries: nothing is known about these refs, so it is
     *                     transient
     */
    public Map<DocumentRef, DocumentIdResolution> resolve(List<DocumentRef> refs) throws IOException {
        Map<DocumentRef, DocumentIdResolution> result = new LinkedHashMap<>();
        List<DocumentRef> toLookUp = new ArrayList<>();
        for (DocumentRef ref : refs) {
            if (ref.explicitId() != null) {
                result.put(ref, validId(ref.explicitId(), "the message's document id"));
            } else if (mode == DocumentIdMode.KEY) {
                result.put(ref, validId(ref.key(), "the S3 key"));
            } else if (mode == DocumentIdMode.URL_HASH) {
                result.put(ref, DocumentIdResolution.resolved(List.of(urlHash(ref.bucket(), ref.key()))));
            } else {
                result.put(ref, null); // placeholder keeps the caller's order
                toLookUp.add(ref);
            }
        }
        if (!toLookUp.isEmpty()) {
            Map<String, DocumentIdResolution> byKey = lookUp(distinctKeys(toLookUp));
            for (DocumentRef ref : toLookUp) {
                result.put(ref, byKey.get(ref.key()));
            }
        }
        return result;
    }

    /** The document id of {@link DocumentIdMode#URL_HASH}: lowercase hex SHA-256 of UTF-8 {@code s3://bucket/key}. */
    public static String urlHash(String bucket, String key) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha256.digest(("s3://" + bucket + "/" + key).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private Map<String, DocumentIdResolution> lookUp(List<String> keys) throws IOException {
        int size = (int) Math.min(MAX_RESULT_WINDOW, (long) keys.size() * maxDocumentsPerKey);
        SearchResponse<Void> response = search(keys, size);
        long total = response.hits().total() == null ? Long.MAX_VALUE : response.hits().total().value();
        if (total > response.hits().hits().size()) {
            // Some keys have so many documents that the batch did not fit one response; ask key by key, so no
            // key's documents are cut off silently.
            Map<String, DocumentIdResolution> result = new LinkedHashMap<>();
            for (String key : keys) {
                result.put(key, resolutionOf(key, idsByKey(search(List.of(key), maxDocumentsPerKey + 1)).get(key)));
            }
            return result;
        }
        Map<String, Set<String>> found = idsByKey(response);
        Map<String, DocumentIdResolution> result = new LinkedHashMap<>();
        for (String key : keys) {
            result.put(key, resolutionOf(key, found.get(key)));
        }
        return result;
    }

    private SearchResponse<Void> search(List<String> keys, int size) throws IOException {
        List<FieldValue> values = keys.stream().map(FieldValue::of).toList();
        return retry.run(() -> client.search(s -> s
                        .index(index)
                        .size(size)
                        .trackTotalHits(t -> t.enabled(true))
                        .source(src -> src.fetch(false))
                        // Read the value from the mapping, not _source, so a keyword sub-field works as well.
                        .fields(f -> f.field(lookupField))
                        .query(q -> q.terms(t -> t.field(lookupField).terms(v -> v.value(values)))),
                Void.class));
    }

    private Map<String, Set<String>> idsByKey(SearchResponse<Void> response) {
        Map<String, Set<String>> ids = new LinkedHashMap<>();
        for (Hit<Void> hit : response.hits().hits()) {
            JsonData values = hit.fields().get(lookupField);
            if (values == null) {
                continue;
            }
            for (String key : strings(values.toJson())) {
                ids.computeIfAbsent(key, k -> new TreeSet<>()).add(hit.id());
            }
        }
        return ids;
    }

    private DocumentIdResolution resolutionOf(String key, Set<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return DocumentIdResolution.notFound("no document in " + index + " has " + lookupField + " = " + key);
        }
        if (ids.size() > maxDocumentsPerKey) {
            return DocumentIdResolution.tooMany("more than " + maxDocumentsPerKey + " documents in " + index + " have "
                    + lookupField + " = " + key + "; is " + lookupField + " the right lookup field?");
        }
        return DocumentIdResolution.resolved(List.copyOf(ids));
    }

    private static List<String> strings(JsonValue value) {
        List<String> strings = new ArrayList<>();
        if (value instanceof JsonArray array) {
            for (JsonValue item : array) {
                strings.addAll(strings(item));
            }
        } else if (value instanceof JsonString string) {
            strings.add(string.getString());
        }
        return strings;
    }

    private static List<String> distinctKeys(List<DocumentRef> refs) {
        Set<String> keys = new LinkedHashSet<>();
        refs.forEach(ref -> keys.add(ref.key()));
        return List.copyOf(keys);
    }

    private static DocumentIdResolution validId(String id, String what) {
        if (id.isEmpty()) {
            return DocumentIdResolution.invalid(what + " is empty and cannot be a document id");
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_ID_BYTES) {
            return DocumentIdResolution.invalid(what + " is " + bytes + " bytes long; OpenSearch document ids are "
                    + "limited to " + MAX_ID_BYTES + " bytes (use the url-hash or lookup id mode)");
        }
        return DocumentIdResolution.resolved(List.of(id));
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}

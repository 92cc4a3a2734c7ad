package io.cis.worker.backfill;

import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.OpenSearchErrors;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.SortOrder;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.SearchRequest;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;
import org.opensearch.client.opensearch.core.search.Pit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Pages through the documents that need an embedding with a point in time (PIT) and {@code search_after}: the PIT
 * freezes the view, so documents the backfill updates meanwhile neither shift pages nor come back, and no deep
 * {@code from} is ever used. With a {@link Slice} only that part of the documents is read.
 *
 * <p>Pages are sorted by a field unique per document ({@code _id} by default) so {@code search_after} never skips
 * or repeats a document across shards ({@code _doc} order is per shard and does).
 */
public final class OpenSearchBackfillSource implements BackfillSource {

    /**
     * Settings of the source.
     *
     * @param imagesByQuery the query itself selects images (BACKFILL_IMAGE_QUERY): its documents are images whatever
     *                      their key's extension
     */
    public record Options(String index, Query query, Slice slice, String keyField, String bucketField,
                          String defaultBucket, String sortField, int pageSize, boolean imagesByQuery) {
        public Options {
            Objects.requireNonNull(index, "index");
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(slice, "slice");
            Objects.requireNonNull(keyField, "keyField");
            Objects.requireNonNull(bucketField, "bucketField");
            Objects.requireNonNull(sortField, "sortField");
            if (pageSize < 1) {
                throw new IllegalArgumentException("page size must be positive, got " + pageSize);
            }
        }
    }

    private static final Logger log = LoggerFactory.getLogger(OpenSearchBackfillSource.class);
    /**
     * How long the point in time lives without a search. A page at a low rate limit can take longer than that
     * (1,000 documents at 0.5/s is 33 minutes), so the page loop renews it through {@link #keepAlive()}.
     */
    static final String KEEP_ALIVE = "30m";
    /** keepAlive() renews the point in time once this long has passed since the last search. */
    static final long RENEW_AFTER_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
    private static final int SEARCH_ATTEMPTS = 5;

    private final OpenSearchClient client;
    private final Options options;
    private final LongSupplier nanoTime;
    private final String pitId;
    private long lastSearchNanos;
    private final long total;
    private List<BackfillCandidate> firstPage;
    private List<FieldValue> searchAfter;
    private boolean exhausted;
    private long unusable;

    private OpenSearchBackfillSource(OpenSearchClient client, Options options, String pitId, LongSupplier nanoTime)
            throws IOException {
        this.client = client;
        this.options = options;
        this.nanoTime = nanoTime;
        this.pitId = pitId;
        SearchResponse<Void> first = search(true);
        this.total = first.hits().total() == null ? -1 : first.hits().total().value();
        this.firstPage = candidates(first);
    }

    /** Opens a point in time on the index and reads the first page (which also gives the exact total). */
    public static OpenSearchBackfillSource open(OpenSearchClient client, Options options) throws IOException {
        return open(client, options, System::nanoTime);
    }

    static OpenSearchBackfillSource open(OpenSearchClient client, Options options, LongSupplier nanoTime)
            throws IOException {
        String pitId = client.createPit(p -> p.index(options.index()).keepAlive(t -> t.time(KEEP_ALIVE))).pitId();
        try {
            return new OpenSearchBackfillSource(client, options, pitId, nanoTime);
        } catch (IOException | RuntimeException e) {
            deletePit(client, pitId);
            throw e;
        }
    }

    @Override
    public OptionalLong total() {
        return total < 0 ? OptionalLong.empty() : OptionalLong.of(total);
    }

    @Override
    public List<BackfillCandidate> nextPage() throws IOException {
        List<BackfillCandidate> page = List.of();
        if (firstPage != null) {
            page = firstPage;
            firstPage = null;
        }
        // A page whose documents were all unusable is empty without being the last one.
        while (page.isEmpty() && !exhausted) {
            page = candidates(search(false));
        }
        return page;
    }

    @Override
    public long unusable() {
        return unusable;
    }

    /**
     * Renews the point in time with an empty search (size 0, match_none) when the last search is
     * {@link #RENEW_AFTER_NANOS} ago; a failure is logged and tried again at the next call.
     */
    @Override
    public void keepAlive() {
        if (exhausted || nanoTime.getAsLong() - lastSearchNanos < RENEW_AFTER_NANOS) {
            return;
        }
        try {
            client.search(s -> s.pit(Pit.of(p -> p.id(pitId).keepAlive(KEEP_ALIVE))).size(0)
                    .query(q -> q.matchNone(m -> m)).trackTotalHits(t -> t.enabled(false)), Void.class);
            lastSearchNanos = nanoTime.getAsLong();
        } catch (IOException | RuntimeException e) {
            log.warn("backfill: could not renew the point in time, trying again shortly",
                    kv("reason", OpenSearchErrors.reasonOf(e).code()), kv("detail", e.toString()));
        }
    }

    private SearchResponse<Void> search(boolean countTotal) throws IOException {
        SearchRequest request = SearchRequest.of(s -> {
            s.pit(Pit.of(p -> p.id(pitId).keepAlive(KEEP_ALIVE)))
                    .query(options.query())
                    .size(options.pageSize())
                    .source(src -> src.fetch(false))
                    // Read the fields from the mapping, so dotted names and keyword sub-fields work.
                    .fields(f -> f.field(options.keyField()))
                    .fields(f -> f.field(options.bucketField()))
                    .sort(o -> o.field(f -> f.field(options.sortField()).order(SortOrder.Asc)))
                    .trackTotalHits(t -> t.enabled(countTotal));
            if (!options.slice().isWhole()) {
                s.slice(sl -> sl.id(options.slice().id()).max(options.slice().max()));
            }
            if (searchAfter != null) {
                s.searchAfter(searchAfter);
            }
            return s;
        });
        for (int attempt = 1; ; attempt++) {
            try {
                SearchResponse<Void> response = client.search(request, Void.class);
                lastSearchNanos = nanoTime.getAsLong();
                return response;
            } catch (IOException | OpenSearchException e) {
                if (attempt >= SEARCH_ATTEMPTS || !retryable(e)) {
                    throw e;
                }
                log.warn("backfill search failed, retrying", kv("attempt", attempt),
                        kv("reason", OpenSearchErrors.reasonOf(e).code()), kv("detail", e.toString()));
                sleep(1000L << (attempt - 1));
            }
        }
    }

    private static boolean retryable(Exception e) {
        if (e instanceof OpenSearchException ose) {
            return ose.status() == 429 || ose.status() >= 500;
        }
        return true; // I/O: connection refused, reset, timeout
    }

    private List<BackfillCandidate> candidates(SearchResponse<Void> response) {
        List<Hit<Void>> hits = response.hits().hits();
        if (hits.size() < options.pageSize()) {
            exhausted = true;
        }
        if (!hits.isEmpty()) {
            searchAfter = hits.get(hits.size() - 1).sort();
        }
        List<BackfillCandidate> page = new ArrayList<>(hits.size());
        for (Hit<Void> hit : hits) {
            String key = firstString(hit, options.keyField());
            String bucket = firstString(hit, options.bucketField());
            if (bucket == null) {
                bucket = options.defaultBucket();
            }
            if (key == null || key.isBlank() || bucket == null || bucket.isBlank()) {
                unusable++;
                log.warn("backfill: document has no S3 location, skipped", kv("document_id", hit.id()),
                        kv("key_field", options.keyField()), kv("key", key),
                        kv("bucket_field", options.bucketField()), kv("bucket", bucket));
                continue;
            }
            page.add(new BackfillCandidate(S3ObjectRef.of(bucket, key), hit.id(), options.imagesByQuery()));
        }
        return page;
    }

    private static String firstString(Hit<Void> hit, String field) {
        JsonData values = hit.fields().get(field);
        if (values == null) {
            return null;
        }
        JsonValue json = values.toJson();
        if (json instanceof JsonArray array && !array.isEmpty() && array.get(0) instanceof JsonString s) {
            return s.getString();
        }
        return json instanceof JsonString s ? s.getString() : null;
    }

    @Override
    public void close() {
        deletePit(client, pitId);
    }

    private static void deletePit(OpenSearchClient client, String pitId) {
        try {
            client.deletePit(d -> d.pitId(pitId));
        } catch (IOException | RuntimeException e) {
            // It expires on its own after KEEP_ALIVE.
            log.warn("could not delete the backfill's point in time", kv("reason", OpenSearchErrors.reasonOf(e).code()),
                    kv("detail", e.toString()));
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to retry", e);
        }
    }
}

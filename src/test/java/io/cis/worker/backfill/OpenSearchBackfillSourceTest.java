package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.mockito.ArgumentCaptor;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.CreatePitRequest;
import org.opensearch.client.opensearch.core.CreatePitResponse;
import org.opensearch.client.opensearch.core.SearchRequest;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.TotalHitsRelation;
import org.opensearch.client.util.ObjectBuilder;
import org.junit.jupiter.api.Test;

/** The point in time is renewed by the page loop, not only by the next page's search. */
class OpenSearchBackfillSourceTest {

    @Test
    @SuppressWarnings("unchecked")
    void keepAliveRenewsThePointInTimeOnlyAfterTheRenewInterval() throws Exception {
        OpenSearchClient client = mock(OpenSearchClient.class);
        when(client.createPit(any(Function.class))).thenReturn(CreatePitResponse.of(p -> p.pitId("pit-1")
                .creationTime(0L).shards(s -> s.total(1).successful(1).failed(0))));
        SearchResponse<Void> fullPage = new SearchResponse.Builder<Void>().took(1).timedOut(false)
                .shards(s -> s.total(1).successful(1).failed(0))
                .hits(h -> h.total(t -> t.value(5000).relation(TotalHitsRelation.Eq))
                        .hits(java.util.stream.IntStream.range(0, 2).mapToObj(i -> org.opensearch.client.opensearch.core
                                .search.Hit.<Void>of(hit -> hit.index("files").id("doc-" + i)
                                        .fields(java.util.Map.of("s3_key", org.opensearch.client.json.JsonData.of(
                                                jakarta.json.Json.createArrayBuilder().add("img-" + i + ".jpg").build())))
                                        .sort(List.of(org.opensearch.client.opensearch._types.FieldValue.of("doc-" + i)))))
                                .toList())).build();
        when(client.search(any(SearchRequest.class), eq(Void.class))).thenReturn(fullPage);
        when(client.search(any(Function.class), eq(Void.class))).thenReturn(fullPage);
        AtomicLong now = new AtomicLong(0);
        OpenSearchBackfillSource source = OpenSearchBackfillSource.open(client, new OpenSearchBackfillSource.Options(
                "files", Query.of(q -> q.matchAll(m -> m)), Slice.ALL, "s3_key", "s3_bucket", "photos", "_id", 2, false),
                now::get);

        now.addAndGet(OpenSearchBackfillSource.RENEW_AFTER_NANOS - 1);
        source.keepAlive();
        verify(client, times(0)).search(any(Function.class), eq(Void.class));

        now.addAndGet(1);
        source.keepAlive();
        source.keepAlive(); // just renewed: nothing more
        ArgumentCaptor<Function<SearchRequest.Builder, ObjectBuilder<SearchRequest>>> renewal =
                ArgumentCaptor.forClass(Function.class);
        verify(client, times(1)).search(renewal.capture(), eq(Void.class));
        SearchRequest request = renewal.getValue().apply(new SearchRequest.Builder()).build();
        assertEquals("pit-1", request.pit().id());
        assertEquals(OpenSearchBackfillSource.KEEP_ALIVE, request.pit().keepAlive());
        assertEquals(0, request.size());

        // A page search renews it as well: the next keepAlive waits a whole interval again.
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        source.nextPage();
        source.nextPage();
        now.addAndGet(OpenSearchBackfillSource.RENEW_AFTER_NANOS - 1);
        source.keepAlive();
        verify(client, times(1)).search(any(Function.class), eq(Void.class));
    }
}

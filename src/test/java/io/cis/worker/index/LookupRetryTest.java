package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cis.worker.core.Reason;
import io.cis.worker.core.ServiceHealthListener;
import io.cis.worker.retry.Retries;
import io.cis.worker.retry.RetryPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.ErrorResponse;
import org.opensearch.client.opensearch._types.OpenSearchException;

class LookupRetryTest {

    private static final int ATTEMPTS = 3;

    private final List<String> told = new ArrayList<>();
    private final ServiceHealthListener health = new ServiceHealthListener() {
        @Override
        public void answered() {
            told.add("answered");
        }

        @Override
        public void unavailable(Reason reason, String detail) {
            told.add("unavailable " + reason.code());
        }
    };
    private final LookupRetry retry = LookupRetry.of(Retries.onExceptions("opensearch_lookup",
            new RetryPolicy(ATTEMPTS, Duration.ofMillis(1), Duration.ofMillis(2)), LookupRetry::worthRetrying,
            () -> 0.0, new SimpleMeterRegistry()), health);
    private final AtomicInteger calls = new AtomicInteger();

    @Test
    void aSearchWithoutAnswerIsRetriedAndTheAnswerCounts() throws IOException {
        String result = retry.run(() -> {
            if (calls.incrementAndGet() < ATTEMPTS) {
                throw new ConnectException("Connection refused");
            }
            return "hits";
        });
        assertEquals("hits", result);
        assertEquals(ATTEMPTS, calls.get());
        assertEquals(List.of("answered"), told);
    }

    @Test
    void anOutageLastingEveryAttemptClosesTheGate() {
        ConnectException refused = new ConnectException("Connection refused");
        IOException thrown = assertThrows(IOException.class, () -> retry.run(() -> {
            calls.incrementAndGet();
            throw refused;
        }));
        assertSame(refused, thrown);
        assertEquals(ATTEMPTS, calls.get());
        assertEquals(List.of("unavailable index_unreachable"), told);
    }

    @Test
    void overloadIsRetriedAndThenAnOutage() {
        assertThrows(OpenSearchException.class, () -> retry.run(() -> {
            calls.incrementAndGet();
            throw failure(503, "unavailable_shards_exception");
        }));
        assertEquals(ATTEMPTS, calls.get());
        assertEquals(List.of("unavailable index_unavailable"), told);
    }

    @Test
    void aClosedOrMissingIndexIsAnOutageNotWorthAnImmediateRetry() {
        assertThrows(OpenSearchException.class, () -> retry.run(() -> {
            calls.incrementAndGet();
            throw failure(400, "index_closed_exception");
        }));
        assertThrows(OpenSearchException.class, () -> retry.run(() -> {
            calls.incrementAndGet();
            throw failure(404, "index_not_found_exception");
        }));
        assertEquals(2, calls.get(), "an operator must act: no retry within the call");
        assertEquals(List.of("unavailable index_not_writable", "unavailable index_not_found"), told);
    }

    @Test
    void aBadQueryIsAnAnswerAndNotRetried() {
        assertThrows(OpenSearchException.class, () -> retry.run(() -> {
            calls.incrementAndGet();
            throw failure(400, "search_phase_execution_exception");
        }));
        assertEquals(1, calls.get());
        assertEquals(List.of("answered"), told);
    }

    @Test
    void noneRunsOnceAndTellsNobody() {
        assertThrows(ConnectException.class, () -> LookupRetry.NONE.run(() -> {
            calls.incrementAndGet();
            throw new ConnectException("Connection refused");
        }));
        assertEquals(1, calls.get());
    }

    private static OpenSearchException failure(int status, String type) {
        return new OpenSearchException(ErrorResponse.of(r -> r.status(status)
                .error(ErrorCause.of(e -> e.type(type).reason("reason")))));
    }
}

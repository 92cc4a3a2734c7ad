package io.cis.worker.app;

import io.cis.worker.embed.BatchEmbedder;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Hooks for the fault tests, read from the environment. They are deliberately not settings (not in the catalog, the
 * example config or the README's table): they only ever make the worker worse.
 *
 * <ul>
 *   <li>{@code DEBUG_INFERENCE_DELAY_MS}: sleep this long before every inference batch, so processing is slow on
 *       purpose (visibility heartbeat and graceful shutdown tests).</li>
 * </ul>
 */
final class TestHooks {

    static final String INFERENCE_DELAY = "DEBUG_INFERENCE_DELAY_MS";
    private static final Logger log = LoggerFactory.getLogger(TestHooks.class);

    private TestHooks() {
    }

    static Supplier<BatchEmbedder> slowedDown(Supplier<BatchEmbedder> embedders) {
        String value = System.getenv(INFERENCE_DELAY);
        if (value == null || value.isBlank()) {
            return embedders;
        }
        long delayMillis = Long.parseLong(value.trim());
        log.warn("test hook active: every inference batch is delayed", kv("hook", INFERENCE_DELAY), kv("delay_ms", delayMillis));
        return () -> new DelayedEmbedder(embedders.get(), delayMillis);
    }

    private record DelayedEmbedder(BatchEmbedder delegate, long delayMillis) implements BatchEmbedder {
        @Override
        public float[][] embed(List<float[]> pixels) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the test delay", e);
            }
            return delegate.embed(pixels);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}

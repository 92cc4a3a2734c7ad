package io.cis.worker.app;

import io.cis.worker.core.Reason;
import io.cis.worker.embed.BatchEmbedder;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.fetch.FetchException;
import io.cis.worker.fetch.FetchedObject;
import io.cis.worker.fetch.ObjectFetcher;
import io.cis.worker.fetch.ObjectHead;
import io.cis.worker.pipeline.ImagePreprocessing;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 *   <li>{@code DEBUG_S3_GET_FAILURES=TEXT:N}: the first N GETs of every object whose key contains TEXT fail as an
 *       unavailable S3 would (transient, worth retrying); later GETs go through. With N at least RETRY_MAX_ATTEMPTS
 *       the message goes back to the queue and is retried after its visibility timeout (idle exit test).</li>
 *   <li>{@code DEBUG_DECODE_ERRORS=ERROR:N} and {@code DEBUG_INFERENCE_ERRORS=ERROR:N}: the first N decodes (or
 *       inference batches) of the process throw ERROR, {@code StackOverflowError} or {@code OutOfMemoryError}, as a
 *       decoder recursing without end or native code out of memory would (stage error tests).</li>
 * </ul>
 */
final class TestHooks {

    static final String INFERENCE_DELAY = "DEBUG_INFERENCE_DELAY_MS";
    static final String S3_GET_FAILURES = "DEBUG_S3_GET_FAILURES";
    static final String DECODE_ERRORS = "DEBUG_DECODE_ERRORS";
    static final String INFERENCE_ERRORS = "DEBUG_INFERENCE_ERRORS";
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

    static ObjectFetcher failingFirstGets(ObjectFetcher fetcher) {
        String value = System.getenv(S3_GET_FAILURES);
        if (value == null || value.isBlank()) {
            return fetcher;
        }
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(S3_GET_FAILURES + " must be TEXT:N, not " + value);
        }
        String keyContains = value.substring(0, colon);
        int failures = Integer.parseInt(value.substring(colon + 1).trim());
        log.warn("test hook active: the first GETs of some objects fail", kv("hook", S3_GET_FAILURES),
                kv("key_contains", keyContains), kv("failures", failures));
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        return new ObjectFetcher() {
            @Override
            public FetchedObject fetch(S3ObjectRef object) throws FetchException {
                if (object.key().contains(keyContains)
                        && attempts.computeIfAbsent(object.key(), k -> new AtomicInteger()).incrementAndGet() <= failures) {
                    throw FetchException.transientFailure(Reason.S3_ERROR,
                            "HTTP 503 ServiceUnavailable (test hook " + S3_GET_FAILURES + ")", null);
                }
                return fetcher.fetch(object);
            }

            @Override
            public ObjectHead head(S3ObjectRef object) throws FetchException {
                return fetcher.head(object);
            }
        };
    }

    static ImagePreprocessing failingFirstDecodes(ImagePreprocessing preprocessing) {
        FirstErrors errors = FirstErrors.read(DECODE_ERRORS);
        if (errors == null) {
            return preprocessing;
        }
        return bytes -> {
            errors.throwWhileDue();
            return preprocessing.preprocess(bytes);
        };
    }

    static Supplier<BatchEmbedder> failingFirstBatches(Supplier<BatchEmbedder> embedders) {
        FirstErrors errors = FirstErrors.read(INFERENCE_ERRORS);
        if (errors == null) {
            return embedders;
        }
        return () -> {
            BatchEmbedder embedder = embedders.get();
            return new BatchEmbedder() {
                @Override
                public float[][] embed(List<float[]> pixels) {
                    errors.throwWhileDue();
                    return embedder.embed(pixels);
                }

                @Override
                public void close() {
                    embedder.close();
                }
            };
        };
    }

    /** ERROR:N from the environment: the first N calls (over the whole process) throw a new ERROR. */
    private record FirstErrors(String hook, String error, int count, AtomicInteger calls) {

        static FirstErrors read(String hook) {
            String value = System.getenv(hook);
            if (value == null || value.isBlank()) {
                return null;
            }
            int colon = value.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(hook + " must be ERROR:N, not " + value);
            }
            FirstErrors errors = new FirstErrors(hook, value.substring(0, colon).trim(),
                    Integer.parseInt(value.substring(colon + 1).trim()), new AtomicInteger());
            errors.newError(); // an unknown name fails at start-up, not in the stage
            log.warn("test hook active: the first calls throw an Error", kv("hook", hook), kv("error", errors.error),
                    kv("count", errors.count));
            return errors;
        }

        void throwWhileDue() {
            if (calls.incrementAndGet() <= count) {
                throw newError();
            }
        }

        Error newError() {
            String message = "test hook " + hook;
            return switch (error) {
                case "StackOverflowError" -> new StackOverflowError(message);
                case "OutOfMemoryError" -> new OutOfMemoryError(message);
                default -> throw new IllegalArgumentException(hook + ": ERROR must be StackOverflowError or OutOfMemoryError, not " + error);
            };
        }
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

package io.cis.worker.bench;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.logstash.logback.argument.StructuredArgument;
import org.slf4j.LoggerFactory;

/**
 * Listens to the worker's own outcome log (logger {@code io.cis.worker.outcome}, one event per item) inside the
 * benchmark's JVM, so every item's outcome, cache hit and enqueue-to-indexed latency (from the message's
 * SentTimestamp, as the worker computes it) is known exactly, with the time the outcome was recorded.
 */
final class OutcomeRecorder extends AppenderBase<ILoggingEvent> {

    static final String OUTCOME_LOGGER = "io.cis.worker.outcome";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    /** One item's outcome as the worker logged it. */
    record Outcome(String s3Url, String outcome, String reason, String detail, boolean cacheHit, boolean downloaded,
                   long latencyMillis, long atMillis) {
        boolean indexed() {
            return "indexed".equals(outcome);
        }

        /** A transient failure is retried by redelivery, so it is not the item's last word. */
        boolean isFinal() {
            return !"failed_transient".equals(outcome);
        }
    }

    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();

    /** Attaches a recorder to the worker's outcome logger (in addition to its normal appenders). */
    static OutcomeRecorder attach() {
        Logger logger = (Logger) LoggerFactory.getLogger(OUTCOME_LOGGER);
        OutcomeRecorder recorder = new OutcomeRecorder();
        recorder.setContext(logger.getLoggerContext());
        recorder.setName("bench-outcomes");
        recorder.start();
        logger.addAppender(recorder);
        return recorder;
    }

    void detach() {
        ((Logger) LoggerFactory.getLogger(OUTCOME_LOGGER)).detachAppender(this);
        stop();
    }

    @Override
    protected void append(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        if (args == null) {
            return;
        }
        JsonNode fields = fields(args);
        String url = fields.path("s3_url").asText(null);
        if (url == null) {
            return;
        }
        outcomes.put(url, new Outcome(url, fields.path("outcome").asText(), fields.path("reason").asText(null),
                fields.path("detail").asText(""),
                fields.path("cache_hit").asBoolean(), fields.path("downloaded").asBoolean(true),
                fields.path("latency_ms").asLong(), event.getTimeStamp()));
    }

    /** The structured arguments as one JSON object, written by their own serializers. */
    private static JsonNode fields(Object[] args) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.setCodec(JSON);
            json.writeStartObject();
            for (Object arg : args) {
                if (arg instanceof StructuredArgument structured) {
                    structured.writeTo(json);
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(out.toString());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** Forgets earlier outcomes (the next phase re-sends the same objects). */
    void clear() {
        outcomes.clear();
    }

    /**
     * Waits until every URL has a final outcome; returns the latest outcome of each URL that has one (fewer than
     * asked for on timeout, and then possibly transient failures).
     */
    List<Outcome> await(Collection<String> urls, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (urls.stream().allMatch(url -> outcomes.containsKey(url) && outcomes.get(url).isFinal())) {
                break;
            }
            Thread.sleep(20);
        }
        List<Outcome> seen = new ArrayList<>();
        for (String url : urls) {
            Outcome o = outcomes.get(url);
            if (o != null) {
                seen.add(o);
            }
        }
        return seen;
    }
}

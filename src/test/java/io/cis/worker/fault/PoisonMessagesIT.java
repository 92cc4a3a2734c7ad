package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fault (f): 5% of the messages are poison, mixed in with valid ones: bad JSON, corrupt images, missing objects,
 * and images whose document never appears (MISSING_DOCUMENT=retry: a transient failure on every delivery). No valid
 * image is lost; every poison message is recorded (log line, and image_embedding_error where a document exists) or
 * dead-lettered by the queue's redrive policy; none is received more than maxReceiveCount times; the worker never
 * holds more than MAX_IN_FLIGHT_MESSAGES messages or WORK_QUEUE_CAPACITY items (its own gauges, read from /metrics:
 * the queue's not-visible count also includes messages left for redelivery), and its memory stays flat while the
 * backlog drains ({@link MemoryProfile}).
 *
 * <p>400 messages by default; 10,000 with {@code -Dcis.long=true} (scripts/chaos.sh --long), which takes several
 * minutes and so is left out of the default test run.
 */
class PoisonMessagesIT {

    private static final boolean LONG = Boolean.getBoolean("cis.long");
    private static final int MESSAGES = LONG ? 10_000 : 400;
    private static final int MAX_RECEIVE_COUNT = 3;
    private static final int VISIBILITY_SECONDS = 5;
    private static final int MAX_IN_FLIGHT = 64;
    private static final int PIPELINE_CAPACITY = 32;

    @Test
    void poisonIsRecordedOrDeadLetteredAndNothingValidIsLost() throws InterruptedException {
        try (FaultKit kit = FaultKit.create(LONG ? "poison-10k" : "poison", MAX_RECEIVE_COUNT, VISIBILITY_SECONDS)) {
            int poison = MESSAGES / 20;
            int perKind = poison / 4;
            List<FaultKit.Upload> valid = kit.uploadPhotos(Photos.load(LONG ? Photos.TINY : Photos.SMALL),
                    MESSAGES - 4 * perKind, "valid");
            List<String> corrupt = new ArrayList<>();
            for (int i = 0; i < perKind; i++) {
                String file = Photos.CORRUPT.get(i % Photos.CORRUPT.size());
                String key = String.format(Locale.ROOT, "%scorrupt/%05d-%s", kit.prefix, i, file.substring(file.lastIndexOf('/') + 1));
                kit.put(key, Photos.bytes(file));
                corrupt.add(key);
            }
            List<String> missing = numbered(kit.prefix + "missing/", perKind, ".jpg");
            List<String> neverDocumented = new ArrayList<>();
            for (int i = 0; i < perKind; i++) {
                String key = String.format(Locale.ROOT, "%snever-documented/%05d-horse.png", kit.prefix, i);
                kit.put(key, Photos.bytes("horse.png"));
                neverDocumented.add(key);
            }
            List<String> badJson = new ArrayList<>();
            for (int i = 0; i < perKind; i++) {
                badJson.add(List.of("{not json " + i, "hello " + i, "{\"Records\": " + i + "}", "[" + i + "]").get(i % 4));
            }

            // MISSING_DOCUMENT=retry: documents are created by someone else; valid and corrupt ones exist.
            List<String> documented = new ArrayList<>(keysOf(valid));
            documented.addAll(corrupt);
            kit.index.createDocuments(documented);

            List<String> objects = new ArrayList<>(keysOf(valid));
            objects.addAll(corrupt);
            objects.addAll(missing);
            objects.addAll(neverDocumented);
            java.util.Collections.shuffle(objects, new java.util.Random(42));
            kit.notifyCreated(objects);
            badJson.forEach(kit.queues::send);
            assertEquals(MESSAGES, kit.queued(), "messages waiting");

            WorkerMetrics metrics = new WorkerMetrics();
            java.nio.file.Path gcLog = java.nio.file.Path.of("target/it-logs", kit.scenario + "-gc.log");
            Map<String, String> settings = new HashMap<>(Map.of("MISSING_DOCUMENT", "retry",
                    "MAX_IN_FLIGHT_MESSAGES", Integer.toString(MAX_IN_FLIGHT),
                    "WORK_QUEUE_CAPACITY", Integer.toString(PIPELINE_CAPACITY),
                    "METRICS_PORT", Integer.toString(metrics.port)));
            settings.putAll(MemoryProfile.gcLogSettings(gcLog));
            WorkerProcess worker = kit.startWorker("worker", settings, "--exit-when-idle", Integer.toString(3 * VISIBILITY_SECONDS));
            FaultKit.awaitRunning(worker, Duration.ofMinutes(3));
            long runningAt = kit.sampler(worker).now();
            AtomicInteger mostInFlight = new AtomicInteger();
            AtomicInteger mostInside = new AtomicInteger();
            long started = System.currentTimeMillis();
            while (worker.isAlive()) {
                metrics.gauge(WorkerMetrics.IN_FLIGHT_MESSAGES).ifPresent(v -> mostInFlight.accumulateAndGet((int) v, Math::max));
                metrics.gauge(WorkerMetrics.ITEMS_INSIDE).ifPresent(v -> mostInside.accumulateAndGet((int) v, Math::max));
                Thread.sleep(LONG ? 2_000 : 500);
                if (System.currentTimeMillis() - started > (LONG ? 60 : 5) * 60_000L) {
                    throw new AssertionError("still running after " + (LONG ? 60 : 5) + " minutes; log " + worker.log());
                }
            }
            int exit = worker.awaitExit(Duration.ofSeconds(10));

            FaultKit.Verification result = kit.verify(valid);
            Map<String, JsonNode> outcomes = worker.outcomesByUrl();
            Map<String, Integer> outcomeLinesPerUrl = outcomeLinesPerUrl(worker);
            List<JsonNode> lines = worker.logLines();
            long unparseableLogged = lines.stream().filter(l -> "unparseable message deleted".equals(l.path("message").asText())).count();
            List<String> deadLetters = kit.queues.drainDeadLetters();
            Set<String> deadLetteredKeys = new HashSet<>();
            for (String body : deadLetters) {
                neverDocumented.stream().filter(k -> body.contains(encodeLikeS3(k))).forEach(deadLetteredKeys::add);
            }
            Map<String, JsonNode> corruptDocs = kit.index.sources(corrupt);
            long corruptRecorded = corrupt.stream().filter(k -> corruptDocs.containsKey(k)
                    && !corruptDocs.get(k).path("image_embedding_error").asText().isEmpty()
                    && "failed_permanent".equals(outcomes.get(url(kit, k)).path("outcome").asText())).count();
            long missingRecorded = missing.stream().filter(k -> outcomes.containsKey(url(kit, k))
                    && outcomes.get(url(kit, k)).path("reason").asText().startsWith("object_not_found")).count();
            int mostDeliveries = outcomeLinesPerUrl.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int highestReceiveCount = kit.highestReceiveCount();
            int queued = kit.queued();
            MemoryProfile memory = new MemoryProfile(gcLog, kit.sampler(worker).samplesSince(runningAt));

            boolean ok = exit == 0 && result.lost() == 0 && unparseableLogged == perKind && corruptRecorded == perKind
                    && missingRecorded == perKind && deadLetteredKeys.size() == perKind && deadLetters.size() == perKind
                    && highestReceiveCount <= MAX_RECEIVE_COUNT && mostDeliveries <= MAX_RECEIVE_COUNT && queued == 0
                    && mostInFlight.get() <= MAX_IN_FLIGHT && mostInside.get() <= PIPELINE_CAPACITY
                    && (!LONG || memory.liveHeapFlat(64)) && memory.rssBounded(256);
            new ChaosSummary(LONG ? "f-poison-10k" : "f-poison", MESSAGES, String.format(Locale.ROOT,
                    "%d poison (4 kinds x %d); in flight <= %d", 4 * perKind, perKind, mostInFlight.get()),
                    result.correct(), result.lost(), kit.redeliveries(), deadLetters.size(), kit.peakRssMb(),
                    ok ? "ok" : "FAILED").write();
            System.out.printf(Locale.ROOT, "poison run: %d messages; %s; most messages in flight %d, most items in the "
                    + "pipeline %d, highest receive count %d%n", MESSAGES, memory.describe(), mostInFlight.get(),
                    mostInside.get(), highestReceiveCount);

            assertEquals(0, exit, "log " + worker.log());
            assertEquals(0, result.lost(), "valid images lost: " + result.problems());
            assertEquals(perKind, unparseableLogged, "bad JSON logged and deleted");
            assertEquals(perKind, corruptRecorded, "corrupt images recorded on their documents");
            assertEquals(perKind, missingRecorded, "missing objects recorded");
            assertEquals(perKind, deadLetters.size(), "only the never-documented ones are dead-lettered: " + deadLetters);
            assertEquals(perKind, deadLetteredKeys.size(), "each never-documented image dead-lettered once");
            assertTrue(highestReceiveCount <= MAX_RECEIVE_COUNT, "received " + highestReceiveCount + " times");
            assertTrue(mostDeliveries <= MAX_RECEIVE_COUNT, "an item was processed " + mostDeliveries + " times");
            assertEquals(0, queued);
            assertTrue(mostInFlight.get() > 0, "the in-flight gauge was read");
            assertTrue(mostInFlight.get() <= MAX_IN_FLIGHT, "messages in flight: " + mostInFlight.get());
            assertTrue(mostInside.get() <= PIPELINE_CAPACITY, "items in the pipeline: " + mostInside.get());
            // The backlog drains without memory growing with it (the 400-message run is too short for a live-heap trend).
            assertTrue(memory.rssBounded(256), "resident memory beyond the configured bound: " + memory.describe());
            if (LONG) {
                assertTrue(memory.liveHeapFlat(64), "live heap grew: " + memory.describe());
            }
        }
    }

    private static List<String> numbered(String folder, int count, String extension) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(String.format(Locale.ROOT, "%s%05d-gone%s", folder, i, extension));
        }
        return keys;
    }

    private static String url(FaultKit kit, String key) {
        return "s3://" + kit.bucket + "/" + key;
    }

    /** The key as S3NotificationPublisher writes it into a notification (form-encoded, slashes kept). */
    private static String encodeLikeS3(String key) {
        return java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8).replace("%2F", "/");
    }

    private static Map<String, Integer> outcomeLinesPerUrl(WorkerProcess worker) {
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode line : worker.logLines()) {
            if ("io.cis.worker.outcome".equals(line.path("logger_name").asText())) {
                counts.merge(line.path("s3_url").asText(), 1, Integer::sum);
            }
        }
        return counts;
    }

}

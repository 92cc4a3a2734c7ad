package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.testing.WorkerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Backpressure and memory: 10,000 messages waiting, one worker working through them for a fixed time (every image
 * embedded: no cache), then SIGTERM. The worker never holds more than MAX_IN_FLIGHT_MESSAGES messages or
 * WORK_QUEUE_CAPACITY items, its live heap stays flat and its resident memory within the configured bound however
 * big the backlog ({@link MemoryProfile}), and nothing is lost (embedded + still queued = sent).
 *
 * <p>Long profile only ({@code -Dcis.long=true}, scripts/chaos.sh --long). {@code -Dcis.backpressure.model=DIR}
 * (a directory with model.pt and model.json, e.g. /tmp/clip-full from {@code scripts/clip_model.py
 * --full-size-random}) measures with that model instead of the small test model; its vectors have no reference, so
 * then only counts are checked. {@code -Dcis.backpressure.seconds} (default 180) and
 * {@code -Dcis.backpressure.messages} (default 10000) change the run.
 */
@EnabledIfSystemProperty(named = "cis.long", matches = "true")
class BackpressureIT {

    private static final int MESSAGES = Integer.getInteger("cis.backpressure.messages", 10_000);
    private static final Duration RUN = Duration.ofSeconds(Integer.getInteger("cis.backpressure.seconds", 180));
    private static final String MODEL_DIR = System.getProperty("cis.backpressure.model", "");
    private static final int MAX_IN_FLIGHT = 64;

    @Test
    void memoryStaysFlatWithTenThousandMessagesWaiting() throws InterruptedException, IOException {
        boolean fullModel = !MODEL_DIR.isBlank();
        String scenario = fullModel ? "memory-full-model" : "memory-small-model";
        try (FaultKit kit = FaultKit.create(scenario, 5, 60)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.TINY), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerMetrics metrics = new WorkerMetrics();
            Path gcLog = Path.of("target/it-logs", scenario + "-gc.log");
            Map<String, String> settings = new HashMap<>(Map.of("EMBEDDING_CACHE_ENABLED", "false",
                    "MAX_IN_FLIGHT_MESSAGES", Integer.toString(MAX_IN_FLIGHT), "WORK_QUEUE_CAPACITY", "32",
                    "METRICS_PORT", Integer.toString(metrics.port)));
            settings.putAll(MemoryProfile.gcLogSettings(gcLog));
            if (fullModel) {
                settings.put("MODEL_PATH", Path.of(MODEL_DIR, "model.pt").toAbsolutePath().toString());
                settings.put("MODEL_NAME", new ObjectMapper().readTree(Path.of(MODEL_DIR, "model.json").toFile())
                        .path("model_name").asText());
            }
            WorkerProcess worker = kit.startWorker("worker", settings);
            FaultKit.awaitRunning(worker, Duration.ofMinutes(3));
            RssSampler memory = kit.sampler(worker);
            long runningAt = memory.now();

            int mostInFlight = 0;
            int mostInside = 0;
            long end = System.nanoTime() + RUN.toNanos();
            while (System.nanoTime() < end && worker.isAlive()) {
                mostInFlight = Math.max(mostInFlight, (int) metrics.gauge(WorkerMetrics.IN_FLIGHT_MESSAGES).orElse(0));
                mostInside = Math.max(mostInside, (int) metrics.gauge(WorkerMetrics.ITEMS_INSIDE).orElse(0));
                Thread.sleep(500);
            }
            List<RssSampler.Sample> samples = memory.samplesSince(runningAt);
            worker.sigterm();
            int exit = worker.awaitExit(Duration.ofSeconds(90));

            int embedded = kit.index.countEmbedded();
            int queued = kit.queued();
            FaultKit.Verification vectors = fullModel ? null : kit.verify(uploads);
            int wrong = vectors == null ? 0 : vectors.wrongVector();
            MemoryProfile profile = new MemoryProfile(gcLog, samples);
            int lost = MESSAGES - embedded - queued;
            boolean ok = exit == 0 && lost <= 0 && wrong == 0 && mostInFlight <= MAX_IN_FLIGHT && mostInside <= 32
                    && profile.liveHeapFlat(64) && profile.rssBounded(256);
            new ChaosSummary(scenario, MESSAGES, String.format(Locale.ROOT, "%s, %d s; in flight <= %d; live heap %d->%d MB",
                    fullModel ? "full-size model" : "small model", RUN.toSeconds(), mostInFlight, profile.liveHeapMb(2),
                    profile.liveHeapMb(4)), embedded, Math.max(0, lost), kit.redeliveries(), kit.deadLettered(),
                    kit.peakRssMb(), ok ? "ok" : "FAILED").write();
            System.out.println(scenario + ": " + embedded + " embedded in " + RUN.toSeconds() + " s; " + profile.describe());

            assertEquals(0, exit, "log " + worker.log());
            assertTrue(embedded > 0, "nothing embedded in " + RUN);
            assertTrue(lost <= 0, "lost: sent " + MESSAGES + ", embedded " + embedded + ", still queued " + queued);
            assertEquals(0, wrong, vectors == null ? "" : vectors.problems().toString());
            assertTrue(mostInFlight > 0 && mostInFlight <= MAX_IN_FLIGHT, "messages in flight " + mostInFlight);
            assertTrue(mostInside <= 32, "items in the pipeline " + mostInside);
            assertTrue(profile.liveHeapFlat(64), "live heap grew: " + profile.describe());
            assertTrue(profile.rssBounded(256), "resident memory beyond the configured bound: " + profile.describe());
        }
    }

}

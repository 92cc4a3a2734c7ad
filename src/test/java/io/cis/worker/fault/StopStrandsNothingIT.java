package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.awaitRunning;
import static io.cis.worker.fault.FaultKit.keysOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cis.worker.config.Settings;
import io.cis.worker.source.QueueCounts;
import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Stopping the worker strands no message. A ReceiveMessage still open at SQS when the process exits takes the next
 * message, which then stays in flight, with nobody to process it, until its visibility timeout. So after each exit
 * a notification is sent at once and must still be visible a second later; the next worker indexes it.
 *
 * <p>The stops come at random moments of the long-poll cycle: SIGTERM at a random time after start-up, and idle
 * exits with a random idle window. The wait per receive is short here ({@link #WAIT_SECONDS}) to keep 40 restarts
 * bounded; {@link #sigtermOfAnIdleWorkerExitsWithinTheDefaultWaitPlusTwoSeconds} uses the production default.
 */
class StopStrandsNothingIT {

    private static final int STOPS_EACH_WAY = Integer.getInteger("cis.stops", 20);
    private static final int WAIT_SECONDS = 3;
    /** Long enough that a stranded message cannot come back before the test looks. */
    private static final int VISIBILITY_SECONDS = 120;
    private static final Duration LOOK_AFTER = Duration.ofSeconds(1);

    private enum StopKind { SIGTERM, IDLE_EXIT }

    @Test
    void noStopStrandsAMessage() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("stop-strand", 5, VISIBILITY_SECONDS)) {
            int stops = 2 * STOPS_EACH_WAY;
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), stops + 1, "probe");
            Random random = new Random();
            Map<StopKind, Integer> stranded = new HashMap<>(Map.of(StopKind.SIGTERM, 0, StopKind.IDLE_EXIT, 0));
            Map<StopKind, Long> slowestExitMillis = new HashMap<>(Map.of(StopKind.SIGTERM, 0L, StopKind.IDLE_EXIT, 0L));
            List<String> problems = new ArrayList<>();
            kit.notifyCreated(List.of(uploads.get(0).key()));

            for (int i = 0; i < stops; i++) {
                StopKind kind = i % 2 == 0 ? StopKind.SIGTERM : StopKind.IDLE_EXIT;
                Map<String, String> settings = Map.of("SQS_WAIT_TIME_SECONDS", Integer.toString(WAIT_SECONDS),
                        "EMBEDDING_CACHE_ENABLED", "false");
                WorkerProcess worker;
                long stopAt = 0;
                if (kind == StopKind.SIGTERM) {
                    worker = kit.startWorker("sigterm-" + i, settings);
                    awaitRunning(worker, Duration.ofMinutes(2));
                    Thread.sleep(random.nextInt(WAIT_SECONDS * 1000 + 500));
                    stopAt = System.nanoTime();
                    worker.sigterm();
                } else {
                    int idleSeconds = 1 + random.nextInt(3);
                    worker = kit.startWorker("idle-" + i, settings, "--exit-when-idle", Integer.toString(idleSeconds));
                    awaitRunning(worker, Duration.ofMinutes(2));
                }
                int exit = worker.awaitExit(Duration.ofSeconds(90));
                Instant exited = Instant.now();
                long exitMillis = kind == StopKind.SIGTERM ? (System.nanoTime() - stopAt) / 1_000_000
                        : Duration.between(timestampOf(worker, "queue idle, exiting"), exited).toMillis();
                kit.notifyCreated(List.of(uploads.get(i + 1).key()));
                Thread.sleep(LOOK_AFTER.toMillis());
                QueueCounts counts = QueueCounts.read(kit.sqs, kit.queues.queueUrl());

                if (exit != 0) {
                    problems.add(worker.log() + ": exit " + exit);
                }
                if (counts.notVisible() != 0 || counts.visible() != 1) {
                    stranded.merge(kind, 1, Integer::sum);
                    problems.add(worker.log() + ": after the exit " + counts);
                }
                slowestExitMillis.merge(kind, exitMillis, Math::max);
            }
            // The last probe, and anything a stop handed back, is indexed by one more run.
            WorkerProcess last = kit.startWorker("last", Map.of(), "--exit-when-idle", "2");
            int lastExit = last.awaitExit(Duration.ofMinutes(2));

            FaultKit.Verification result = kit.verify(uploads);
            int totalStranded = stranded.values().stream().mapToInt(Integer::intValue).sum();
            boolean ok = totalStranded == 0 && problems.isEmpty() && lastExit == 0 && result.lost() == 0 && kit.queued() == 0;
            new ChaosSummary("stop-strands-nothing", uploads.size(), String.format(Locale.ROOT,
                    "%d stops (%d SIGTERM, %d idle), %d stranded", stops, STOPS_EACH_WAY, STOPS_EACH_WAY, totalStranded),
                    result.correct(), result.lost(), kit.redeliveries(), kit.deadLettered(), kit.peakRssMb(),
                    ok ? "ok" : "FAILED").write();
            System.out.printf(Locale.ROOT, "stops: stranded %s, slowest exit (ms) %s%n", stranded, slowestExitMillis);

            assertEquals(Map.of(StopKind.SIGTERM, 0, StopKind.IDLE_EXIT, 0), stranded, problems.toString());
            assertEquals(List.of(), problems);
            // With the pipeline idle, a stop waits at most for the receive under way.
            assertTrue(slowestExitMillis.get(StopKind.IDLE_EXIT) <= (WAIT_SECONDS + 2) * 1000L,
                    "idle exits took up to " + slowestExitMillis.get(StopKind.IDLE_EXIT) + " ms");
            assertEquals(0, lastExit);
            assertEquals(uploads.size(), result.correct(), result.problems().toString());
            assertEquals(0, kit.queued());
            assertEquals(0, kit.deadLettered());
        }
    }

    /**
     * The production default wait: SIGTERM to an idle worker at random moments of its long poll. The process exits
     * within the wait + 2 s, logs "stopped" only when it is done (not when the signal came), and strands nothing.
     */
    @Test
    void sigtermOfAnIdleWorkerExitsWithinTheDefaultWaitPlusTwoSeconds() throws InterruptedException {
        int waitSeconds = Integer.parseInt(Settings.SQS_WAIT_TIME_SECONDS.defaultValue());
        try (FaultKit kit = FaultKit.create("stop-exit-time", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), 1, "probe");
            Random random = new Random();
            List<String> exits = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                WorkerProcess worker = kit.startWorker("default-wait-" + i,
                        Map.of("SQS_WAIT_TIME_SECONDS", Integer.toString(waitSeconds), "EMBEDDING_CACHE_ENABLED", "false"));
                awaitRunning(worker, Duration.ofMinutes(2));
                Thread.sleep(random.nextInt(waitSeconds * 1000));
                long signalled = System.nanoTime();
                worker.sigterm();
                int exit = worker.awaitExit(Duration.ofSeconds(waitSeconds + 30));
                Instant exited = Instant.now();
                long exitMillis = (System.nanoTime() - signalled) / 1_000_000;
                kit.notifyCreated(keysOf(uploads));
                Thread.sleep(LOOK_AFTER.toMillis());
                QueueCounts counts = QueueCounts.read(kit.sqs, kit.queues.queueUrl());
                kit.sqs.purgeQueue(b -> b.queueUrl(kit.queues.queueUrl()));
                Instant stoppedLogged = timestampOf(worker, "stopped");
                long stoppedBeforeExitMillis = Duration.between(stoppedLogged, exited).toMillis();
                exits.add(exitMillis + " ms (stopped logged " + stoppedBeforeExitMillis + " ms before the exit was seen)");

                assertEquals(0, exit);
                assertTrue(exitMillis <= (waitSeconds + 2) * 1000L, "exit " + exitMillis + " ms after SIGTERM; " + worker.log());
                assertTrue(stoppedBeforeExitMillis < 1_500, "'stopped' is logged when the process is done, "
                        + stoppedBeforeExitMillis + " ms before it exited; " + worker.log());
                assertEquals(new QueueCounts(1, 0, 0), counts, "the message sent after the exit is visible");
            }
            System.out.println("SIGTERM to exit with SQS_WAIT_TIME_SECONDS=" + waitSeconds + ": " + exits);
        }
    }

    private static Instant timestampOf(WorkerProcess worker, String message) {
        JsonNode line = worker.logLines().stream().filter(l -> message.equals(l.path("message").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + message + "' line in " + worker.log()));
        return Instant.parse(line.path("@timestamp").asText());
    }
}

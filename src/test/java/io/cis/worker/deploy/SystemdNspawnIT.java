package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.deploy.ScriptRunner.Result;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.Documents;
import io.cis.worker.testing.WorkerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The README's "Install on EC2" steps on a Debian 12 machine with a real systemd (scripts/systemd-container.sh:
 * systemd-nspawn, on the host's network, so the worker inside reaches the local stack): install.sh with the test
 * model, the env file, `systemctl enable --now` -> active and /health/ready, notifications indexed with the right
 * vectors, `systemctl restart` under load strands nothing, `systemctl stop` drains with Result=success, the journal
 * holds the JSON lines, and `install.sh --uninstall [--purge]` removes what it promises. The worker runs under the
 * unit exactly as committed, so this proves its sandbox (seccomp filter, ProtectSystem, PrivateDevices, ...) lets
 * the JVM and libtorch work. Skipped, with the reason, where no such machine can be booted (not root, no Debian
 * packages).
 */
class SystemdNspawnIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNIT = "cis-worker";
    /** The checkout, read-only inside the machine: the operator's "copy of this checkout with the jar built". */
    private static final String CHECKOUT = "/srv/cis-worker";
    private static final String INSTALL = CHECKOUT + "/scripts/install.sh";
    /**
     * Long, so a message that a stop strands (received by a long poll nobody reads any more) cannot come back within
     * the test's deadlines: it shows up as missing instead of as slow.
     */
    private static final int VISIBILITY_SECONDS = 600;
    private static final Duration SETTLE = Duration.ofSeconds(240);

    private static NspawnMachine machine;
    /** Why no machine could be booted here, or null. */
    private static String cannotRun;
    private static LocalStackFixture stack;

    @BeforeAll
    static void bootMachine() throws Exception {
        assertTrue(Files.isRegularFile(WorkerProcess.JAR), WorkerProcess.JAR + " is missing: integration tests run after `mvn package`");
        long started = System.nanoTime();
        try {
            NspawnMachine.build();
            log("root file system ready after %.1f s", seconds(started));
            Path runDir = Files.createTempDirectory("cis-nspawn-");
            machine = NspawnMachine.boot(runDir, "--bind-ro=" + Path.of("").toAbsolutePath() + ":" + CHECKOUT);
        } catch (NspawnMachine.CannotRun e) {
            // Reported as a skipped test (an aborted @BeforeAll would count as no test at all).
            cannotRun = "the unit is not tested under a real systemd here: " + e.getMessage();
            log("%s", cannotRun);
            return;
        }
        log("machine booted after %.1f s", seconds(started));
        stack = LocalStackFixture.create("nspawn", VISIBILITY_SECONDS);
    }

    @BeforeEach
    void skipWithoutAMachine() {
        Assumptions.assumeTrue(cannotRun == null, cannotRun);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (machine == null) {
            return;
        }
        Path logDir = Files.createDirectories(Path.of("target/it-logs"));
        try {
            Files.writeString(logDir.resolve("systemd-nspawn-journal.log"),
                    machine.exec(Duration.ofMinutes(1), "journalctl", "--no-pager", "-o", "short-iso").output());
        } finally {
            machine.close(logDir);
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theReadmeInstallStepsWorkUnderARealSystemd() throws Exception {
        String modelSha256 = install();
        configure(modelSha256);
        startAndAwaitReady();
        List<ClipReference.Image> photos = LocalStackFixture.smallPhotos();
        indexesNotificationsWithTheReferenceVectors(photos);
        restartUnderLoadStrandsNothing(photos);
        stopDrainsWithSuccess(photos);
        backfillSlicesRunToCompletionUnderTheSameHardening(photos);
        journalHoldsTheJsonLines();
        uninstallRemovesWhatItPromises();
    }

    /** README step 4: install.sh with the model; it finds the machine's JRE 17 and creates the user. */
    private String install() {
        String output = machine.run(INSTALL, "--model", CHECKOUT + "/" + ClipReference.MODEL);
        assertTrue(output.contains("java 17 found"), output);
        assertTrue(machine.exists(InstallLayout.UNIT) && machine.exists(InstallLayout.JAR) && machine.exists(InstallLayout.MODEL), output);
        assertTrue(machine.exists(InstallLayout.BACKFILL_UNIT), "the backfill template is installed:\n" + output);
        machine.run("getent", "passwd", UNIT);
        Matcher sha = Pattern.compile("MODEL_SHA256=([0-9a-f]{64})").matcher(output);
        assertTrue(sha.find(), "install.sh prints the model's SHA-256:\n" + output);
        return sha.group(1);
    }

    /** README step 5: the operator's env file, here pointing at the local stack with its static test credentials. */
    private void configure(String modelSha256) {
        Map<String, String> settings = stack.workerSettings();
        settings.put("MODEL_SHA256", modelSha256);
        StringBuilder file = new StringBuilder();
        settings.forEach((key, value) -> file.append(key).append('=').append(value).append('\n'));
        Result write = machine.execWithInput(Duration.ofSeconds(30), file.toString(),
                "sh", "-c", "cat > " + InstallLayout.ENV_FILE);
        assertTrue(write.ok(), write.output());
    }

    /** README step 6: enable --now -> active (running) as the service user, inside its seccomp filter, and ready. */
    private void startAndAwaitReady() throws Exception {
        long started = System.nanoTime();
        machine.run("systemctl", "enable", "--now", UNIT);
        awaitReady("after `systemctl enable --now`");
        log("active and ready %.1f s after `systemctl enable --now`", seconds(started));
        assertEquals("active", machine.property(UNIT, "ActiveState"));
        String pid = machine.property(UNIT, "MainPID");
        String status = machine.run("cat", "/proc/" + pid + "/status");
        assertTrue(status.contains("\nSeccomp:\t2\n"), "the unit's SystemCallFilter is in force:\n" + status);
        assertTrue(status.contains("\nNoNewPrivs:\t1\n"), status);
        assertEquals("cis-worker", machine.run("stat", "-c", "%U", "/proc/" + pid).strip(), "runs as the service user");
    }

    /** S3 notifications for the test photos: each document gets its photo's reference vector (libtorch ran). */
    private void indexesNotificationsWithTheReferenceVectors(List<ClipReference.Image> photos) throws Exception {
        List<String> sent = stack.uploadAndNotify("first", photos, photos.size());
        for (int i = 0; i < sent.size(); i++) {
            ClipReference.Image photo = photos.get(i);
            JsonNode doc = Documents.await(stack.openSearch(), stack.index(), sent.get(i), Documents::embedded, Duration.ofMinutes(2));
            float[] vector = ClipReference.floats(doc.path("image_embedding"));
            assertEquals(512, vector.length);
            double cosine = VectorMath.cosine(vector, photo.embedding());
            assertTrue(cosine > 0.999, sent.get(i) + ": cosine " + cosine + " to the reference of " + photo.file());
        }
    }

    /**
     * `systemctl restart` while a backlog is being worked and new notifications keep arriving (before, during and
     * after the stop): every document is embedded well within the visibility timeout, and the queue ends empty.
     */
    private void restartUnderLoadStrandsNothing(List<ClipReference.Image> photos) throws Exception {
        long before = stack.embedded();
        List<String> backlog = stack.uploadAndNotify("restart-backlog", photos, 200);
        List<String> trickle = stack.upload("restart-trickle", photos, 160);
        awaitCondition("the worker busy with the backlog", Duration.ofMinutes(2), () -> stack.embedded() >= before + 20);
        // 4 notifications a second for 40 s: they reach the queue while the old process drains and exits, and while
        // the new one starts.
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            for (String key : trickle) {
                stack.notifyCreated(List.of(key));
                sleep(250);
            }
        });
        sleep(3000);
        long restarted = System.nanoTime();
        machine.run("systemctl", "restart", UNIT);
        double restartSeconds = seconds(restarted);
        awaitReady("after `systemctl restart`");
        sender.join();
        long expected = before + backlog.size() + trickle.size();
        long sentAll = System.nanoTime();
        awaitCondition(expected + " documents embedded (a message stranded by the restart would stay invisible for "
                + VISIBILITY_SECONDS + " s)", SETTLE, () -> stack.embedded() >= expected);
        awaitCondition("the queue empty", Duration.ofSeconds(30), () -> stack.queues().count(stack.queues().queueUrl()) == 0);
        assertEquals("0", machine.property(UNIT, "NRestarts"), "no crash and restart by systemd");
        log("restart under load: `systemctl restart` took %.1f s; all %d messages indexed %.1f s after the last was sent; %d redelivered",
                restartSeconds, backlog.size() + trickle.size(), seconds(sentAll), countJournalLines("message redelivered"));
    }

    /**
     * `systemctl stop` in the middle of a backlog: a clean exit, what was not finished is back in the queue at once,
     * and a notification sent the moment the worker is gone stays visible (no receive of the stopped process is
     * still open at the server to take it).
     */
    private void stopDrainsWithSuccess(List<ClipReference.Image> photos) throws Exception {
        long before = stack.embedded();
        List<String> backlog = stack.uploadAndNotify("stop-backlog", photos, 200);
        List<String> probe = stack.upload("stop-probe", photos, 1);
        awaitCondition("the worker busy with the backlog", Duration.ofMinutes(2), () -> stack.embedded() >= before + 10);
        long stopping = System.nanoTime();
        machine.run("systemctl", "stop", UNIT);
        double stopSeconds = seconds(stopping);
        stack.notifyCreated(probe);
        assertEquals("success", machine.property(UNIT, "Result"), "a clean stop within TimeoutStopSec, no SIGKILL");
        assertEquals("0", machine.property(UNIT, "ExecMainStatus"));
        assertEquals("inactive", machine.property(UNIT, "ActiveState"));
        sleep(2000);
        Map<QueueAttributeName, String> queue = stack.queueAttributes();
        assertEquals("0", queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                "nothing in flight 2 s after the worker stopped (the backlog handed back, the notification sent after "
                        + "the exit not taken by a receive of the stopped process): " + queue);
        long left = Long.parseLong(queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
        long done = stack.embedded() - before;
        assertTrue(done + left >= backlog.size() + probe.size(), "every message either indexed (" + done
                + ") or back in the queue (" + left + ") of " + (backlog.size() + probe.size()));
        JsonNode stopped = journalJson().stream().filter(l -> "stopped".equals(l.path("message").asText()))
                .reduce((first, last) -> last).orElse(null);
        log("`systemctl stop` during a backlog took %.1f s: %d of %d indexed, %d back in the queue; the worker logged %s",
                stopSeconds, done, backlog.size(), left, stopped);
    }

    /**
     * The README's backfill unit: `systemctl start cis-worker-backfill@0-2` and `@1-2` (oneshot: start returns when
     * the run is over) embed every image under a fresh prefix between them, each exits 0 with Result=success, under
     * the daemon's seccomp filter and sandbox, and logs its summary to the journal.
     */
    private void backfillSlicesRunToCompletionUnderTheSameHardening(List<ClipReference.Image> photos) throws Exception {
        long before = stack.embedded();
        List<String> images = stack.upload("backfill", photos, 8);
        // The cache off, so every image goes through libtorch inside the backfill unit's sandbox (the daemon has
        // embedded the same photos, which would make them all cache hits).
        String args = "BACKFILL_ARGS=--source s3 --bucket " + stack.bucket() + " --prefix " + stack.prefix() + "backfill/\n"
                + "EMBEDDING_CACHE_ENABLED=false\n";
        Result write = machine.execWithInput(Duration.ofSeconds(30), args,
                "sh", "-c", "cat > /etc/cis-worker/backfill.env");
        assertTrue(write.ok(), write.output());
        long selected = 0;
        for (String slice : List.of("0-2", "1-2")) {
            String unit = "cis-worker-backfill@" + slice;
            long started = System.nanoTime();
            Result run = machine.exec(Duration.ofMinutes(5), "systemctl", "start", unit);
            String journal = machine.run("journalctl", "-u", unit, "-o", "cat", "--no-pager");
            assertTrue(run.ok(), unit + ": " + run.output() + "\n" + journal);
            assertEquals("success", machine.property(unit, "Result"), journal);
            assertEquals("0", machine.property(unit, "ExecMainStatus"), journal);
            JsonNode summary = null;
            for (String line : journal.split("\n")) {
                if (line.startsWith("{") && "backfill finished".equals(JSON.readTree(line).path("message").asText())) {
                    summary = JSON.readTree(line);
                }
            }
            assertNotNull(summary, "the summary in the journal of " + unit + ":\n" + journal);
            assertEquals(0, summary.path("exit_code").asInt(), summary.toString());
            assertEquals(0, summary.path("cache_hits").asLong(), "embedded by libtorch, not the cache: " + summary);
            assertEquals(summary.path("selected").asLong(), summary.path("indexed").asLong(), summary.toString());
            selected += summary.path("selected").asLong();
            log("%s ran to completion in %.1f s: %s", unit, seconds(started), summary);
        }
        assertEquals(images.size(), selected, "the two slices together selected every image once");
        awaitCondition("the backfilled images embedded", Duration.ofSeconds(30), () -> stack.embedded() >= before + images.size());
        machine.run("rm", "-f", "/etc/cis-worker/backfill.env");
    }

    /** `journalctl -u cis-worker` holds the worker's JSON lines: start-up, and one outcome line per object. */
    private void journalHoldsTheJsonLines() throws IOException {
        List<JsonNode> lines = journalJson();
        List<JsonNode> running = lines.stream().filter(l -> "worker running".equals(l.path("message").asText())).toList();
        assertEquals(2, running.size(), "one `worker running` per start (enable --now, restart)");
        for (String field : List.of("@timestamp", "level", "logger_name", "queue_url", "index")) {
            assertTrue(running.get(0).hasNonNull(field), field + " in " + running.get(0));
        }
        JsonNode outcome = lines.stream().filter(l -> "io.cis.worker.outcome".equals(l.path("logger_name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no outcome line in the journal"));
        assertEquals("indexed", outcome.path("outcome").asText(), outcome.toString());
        assertTrue(outcome.path("s3_url").asText().startsWith("s3://" + stack.bucket() + "/" + stack.prefix()), outcome.toString());
        assertNotNull(outcome.get("document_id"), outcome.toString());
    }

    /** --uninstall removes the unit and the jar and keeps config, model and user; --purge removes those too. */
    private void uninstallRemovesWhatItPromises() {
        machine.run(INSTALL, "--uninstall");
        assertFalse(machine.exists(InstallLayout.UNIT));
        assertFalse(machine.exists(InstallLayout.BACKFILL_UNIT));
        assertFalse(machine.exists("/opt/cis-worker"));
        assertEquals("not-found", machine.property(UNIT, "LoadState"), "systemd forgot the unit");
        assertTrue(machine.exists(InstallLayout.ENV_FILE) && machine.exists(InstallLayout.MODEL));
        machine.run("getent", "passwd", UNIT);

        machine.run(INSTALL, "--uninstall", "--purge");
        assertFalse(machine.exists("/etc/cis-worker"));
        assertFalse(machine.exists(InstallLayout.STATE_DIR));
        assertFalse(machine.exec(Duration.ofSeconds(30), "getent", "passwd", UNIT).ok(), "the user is removed");
    }

    // --- helpers ---

    /** Polls /health/ready from the host (the machine shares its network) until 200; fails if the unit fails. */
    private static void awaitReady(String when) throws InterruptedException {
        awaitCondition("/health/ready " + when, Duration.ofMinutes(2), () -> {
            String state = machine.property(UNIT, "ActiveState");
            if (state.equals("failed")) {
                throw new AssertionError(UNIT + " failed " + when + ":\n" + machine.run("journalctl", "-u", UNIT, "--no-pager", "-n", "40"));
            }
            return stack.ready();
        });
    }

    private static List<JsonNode> journalJson() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : machine.run("journalctl", "-u", UNIT, "-o", "cat", "--no-pager").split("\n")) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private static long countJournalLines(String message) throws IOException {
        return journalJson().stream().filter(l -> message.equals(l.path("message").asText())).count();
    }

    private static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; " + progress());
            }
            Thread.sleep(500);
        }
    }

    /** The queue's and the index's state, for a failure message. */
    private static String progress() {
        try {
            return "queue: " + stack.queueAttributes() + ", documents embedded: " + stack.embedded()
                    + " (the machine's journal goes to target/it-logs/systemd-nspawn-journal.log)";
        } catch (RuntimeException e) {
            return "queue and index state unknown: " + e;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.println("SystemdNspawnIT: " + String.format(Locale.ROOT, format, args));
    }
}

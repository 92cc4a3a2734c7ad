package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.index.IndexSetup;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import io.cis.worker.testing.WorkerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The Graviton jar (-Plinux-aarch64) on arm64, under qemu-user emulation of a Debian 12 arm64 root with its JRE 17
 * (scripts/arm64-root.sh): built here, its embed gives every photo of ../shared/images within cosine 0.9999 of the
 * x86 exact reference and refuses every bad input with the x86 jar's reason; its daemon indexes notifications from
 * the local stack and stops on SIGTERM with nothing stranded; and each jar on the other's CPU exits at once with
 * the one line that names the platform it was built for. Skipped, with the reason, where emulation cannot run.
 */
class Arm64EmulationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("scripts/arm64-root.sh");
    private static final Path ARM64_JAR = Path.of("target/cis-worker-linux-aarch64.jar").toAbsolutePath();
    private static final int EXIT_CANNOT_RUN = 77;
    /** A handful of the photos, small and large, for the daemon (all of them go through embed). */
    private static final List<String> DAEMON_PHOTOS = List.of("chelsea.png", "coffee.png", "rocket.jpg", "horse.png");

    private static String cannotRun;
    private static long started;
    private static Path work;

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "arm64-emulation: " + format + "%n", args);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    record Run(int exit, String stdout, String stderr) {
    }

    private static Run run(List<String> command, Map<String, String> env, Duration timeout) throws Exception {
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeout + "; stderr: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The arm64 root's command line for COMMAND: the checkout, the images and a private /tmp bound in. */
    private static List<String> inArm64(List<String> command) throws IOException {
        Path tmp = Files.createDirectories(work.resolve("tmp-" + UUID.randomUUID()));
        List<String> full = new ArrayList<>(List.of("bash", SCRIPT.toString(), "run",
                "--bind", Path.of("").toAbsolutePath().toString(),
                "--bind", ClipReference.SHARED_IMAGES.toRealPath().toString(),
                "--tmp", tmp.toString(), "--"));
        full.addAll(command);
        return full;
    }

    private static List<String> java(Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of("/usr/bin/java", "-Xmx1g", "-Dai.djl.offline=true",
                "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp", "--enable-native-access=ALL-UNNAMED", "-jar",
                jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static Map<String, String> workerEnv() {
        Map<String, String> env = new LinkedHashMap<>(WorkerProcess.testDefaults());
        env.put("DJL_CACHE_DIR", "/tmp/djl");
        env.put("TORCH_NUM_THREADS", "2");
        return env;
    }

    @BeforeAll
    static void buildTheRootAndTheJar() throws Exception {
        started = System.nanoTime();
        work = Files.createTempDirectory("cis-arm64-");
        Run root = run(List.of("bash", SCRIPT.toString(), "build"), Map.of(), Duration.ofMinutes(30));
        if (root.exit() == EXIT_CANNOT_RUN) {
            // Reported as skipped tests (an aborted @BeforeAll would count as no test at all).
            cannotRun = "the arm64 jar is not tested under emulation here: " + root.stderr().strip();
            log("%s", cannotRun);
            return;
        }
        assertEquals(0, root.exit(), "scripts/arm64-root.sh build: " + root.stderr());
        log("arm64 root ready after %.1f s: %s", seconds(started), root.stdout().strip());
        long build = System.nanoTime();
        // The README's build command, on this run's compiled classes (the same on every platform): recompiling would
        // rewrite target/classes under this very JVM, which loads its classes from there.
        Run mvn = run(List.of("mvn", "-B", "-ntp", "-q", "-Dmaven.main.skip=true", "-Dmaven.test.skip=true", "package",
                        "-Plinux-aarch64"),
                Map.of(), Duration.ofMinutes(15));
        assertEquals(0, mvn.exit(), "mvn package -Plinux-aarch64: " + mvn.stdout() + mvn.stderr());
        log("arm64 jar built in %.1f s: %d MB", seconds(build), Files.size(ARM64_JAR) / 1_000_000);
    }

    @BeforeEach
    void skipWithoutEmulation() {
        Assumptions.assumeTrue(cannotRun == null, cannotRun);
    }

    @AfterAll
    static void total() throws IOException {
        log("total %.1f s", seconds(started));
        // Each run's /tmp holds the natives JavaCPP and DJL unpacked (about 350 MB): not kept.
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** embed's JSON lines by file name relative to ../shared/images. */
    private static Map<String, JsonNode> embedLines(String stdout, Path images) throws IOException {
        Map<String, JsonNode> lines = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            if (line.startsWith("{")) {
                JsonNode node = JSON.readTree(line);
                lines.put(images.relativize(Path.of(node.path("file").asText())).toString(), node);
            }
        }
        return lines;
    }

    @Test
    void embedMatchesTheX86ReferenceAndRefusesWhatX86Refuses() throws Exception {
        Path images = ClipReference.SHARED_IMAGES.toRealPath();
        List<ClipReference.Image> all = ClipReference.images();
        String[] args = new String[all.size() + 1];
        args[0] = "embed";
        for (int i = 0; i < all.size(); i++) {
            args[i + 1] = images.resolve(all.get(i).file()).toString();
        }
        Map<String, String> env = workerEnv();
        env.put("MODEL_PATH", ClipReference.MODEL.toAbsolutePath().toString());

        long x86Started = System.nanoTime();
        List<String> x86Command = new ArrayList<>(java(WorkerProcess.JAR.toAbsolutePath(), args));
        x86Command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        x86Command.removeIf(a -> a.startsWith("-Dorg.bytedeco.javacpp.cachedir"));
        Run x86 = run(x86Command, env, Duration.ofMinutes(5));
        double x86Seconds = seconds(x86Started);
        long armStarted = System.nanoTime();
        Run arm = run(inArm64(java(ARM64_JAR, args)), env, Duration.ofMinutes(20));
        double armSeconds = seconds(armStarted);
        assertTrue(arm.exit() == 0 || arm.exit() == 1, "embed under emulation exited " + arm.exit() + ": " + arm.stderr());
        assertEquals(x86.exit(), arm.exit(), "x86 and arm64 embed disagree on whether every file embedded");

        Map<String, JsonNode> onX86 = embedLines(x86.stdout(), images);
        Map<String, JsonNode> onArm = embedLines(arm.stdout(), images);
        assertEquals(onX86.keySet(), onArm.keySet(), arm.stdout() + arm.stderr());
        double worst = 1;
        int photos = 0;
        int refused = 0;
        for (ClipReference.Image image : all) {
            JsonNode x = onX86.get(image.file());
            JsonNode a = onArm.get(image.file());
            if (x.has("error")) {
                // The same refusal, word for word: the decoders are Java, the JPEG path OpenCV's arm64 build.
                assertEquals(x.path("error").asText(), a.path("error").asText(), image.file());
                refused++;
                continue;
            }
            assertTrue(a.has("embedding"), image.file() + " refused on arm64 only: " + a);
            float[] reference = image.decodable() ? image.embedding() : ClipReference.floats(x.path("embedding"));
            double cosine = VectorMath.cosine(ClipReference.floats(a.path("embedding")), reference);
            assertTrue(cosine >= 0.9999, image.file() + ": cosine " + cosine + " to the x86 reference");
            worst = Math.min(worst, cosine);
            photos++;
        }
        assertTrue(photos >= 20 && refused >= 5, photos + " embedded, " + refused + " refused");
        assertTrue(arm.stderr().contains("\"os_arch\":\"aarch64\"") && arm.stderr().contains("\"precision\":\"fp32\""),
                "under emulation the arm64 JVM reads no x86 flags and runs fp32: " + arm.stderr());
        log("embed: %d photos within cosine %.6f (min) of the x86 reference, %d refused as on x86; arm64 under "
                + "emulation %.1f s, x86 %.1f s", photos, worst, refused, armSeconds, x86Seconds);
    }

    @Test
    void eachJarOnTheOtherCpuExitsAtOnceNamingItsPlatform() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Run armOnX86 = run(List.of(java, "-jar", ARM64_JAR.toString(), "--help"), Map.of("LOG_FORMAT", "json"),
                Duration.ofMinutes(1));
        assertEquals(2, armOnX86.exit(), armOnX86.stderr());
        assertOneLineNaming(armOnX86.stderr(), "linux-aarch64");

        long emulated = System.nanoTime();
        Run x86OnArm = run(inArm64(java(WorkerProcess.JAR.toAbsolutePath(), "--help")), Map.of("LOG_FORMAT", "json"),
                Duration.ofMinutes(3));
        assertEquals(2, x86OnArm.exit(), x86OnArm.stderr());
        assertOneLineNaming(x86OnArm.stderr(), "linux-x86_64");
        log("the x86 jar under emulation refused itself in %.1f s", seconds(emulated));
    }

    private static void assertOneLineNaming(String stderr, String builtFor) throws IOException {
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line, no stack trace: " + stderr);
        JsonNode line = JSON.readTree(lines.get(0));
        assertEquals("wrong_platform", line.path("reason").asText(), stderr);
        assertEquals(builtFor, line.path("built_for").asText(), stderr);
        assertTrue(line.path("message").asText().startsWith("this jar was built for " + builtFor + " but"), stderr);
        assertTrue(!stderr.contains("UnsatisfiedLinkError"), stderr);
    }

    @Test
    void theDaemonIndexesNotificationsAndStopsOnSigtermWithNothingStranded() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String bucket = LocalStack.require("S3_BUCKET");
        String index = "cis-arm64-" + run;
        try (SqsClient sqs = LocalStack.sqs(); S3Client s3 = LocalStack.s3()) {
            OpenSearchClient openSearch = LocalStack.openSearchClient();
            new IndexSetup(openSearch, index, 512, "lucene", "cosinesimil").ensureIndex();
            TestQueues queues = TestQueues.create(sqs, "it-arm64", 3, 120);
            Map<String, ClipReference.Image> byKey = new LinkedHashMap<>();
            try {
                for (String file : DAEMON_PHOTOS) {
                    ClipReference.Image photo = ClipReference.image(file);
                    String key = "arm64-" + run + "/" + file;
                    byte[] bytes = Files.readAllBytes(photo.path());
                    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
                    queues.send(S3NotificationPublisher.notification(new S3ObjectRef(bucket, key, null, (long) bytes.length, null)));
                    byKey.put(key, photo);
                }
                Map<String, String> env = workerEnv();
                env.put("SQS_QUEUE_URL", queues.queueUrl());
                env.put("OPENSEARCH_INDEX", index);
                env.put("EMBEDDING_CACHE_ENABLED", "false");
                Path logFile = Files.createDirectories(Path.of("target/it-logs")).resolve("arm64-daemon.log");
                ProcessBuilder builder = new ProcessBuilder(inArm64(java(ARM64_JAR))).redirectErrorStream(true)
                        .redirectOutput(logFile.toFile());
                builder.environment().putAll(env);
                long daemonStarted = System.nanoTime();
                Process daemon = builder.start();
                try {
                    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                    int indexed = 0;
                    while (indexed < byKey.size()) {
                        assertTrue(daemon.isAlive(), () -> "the daemon exited " + daemon.exitValue() + "; log " + logFile);
                        int soFar = indexed;
                        assertTrue(System.nanoTime() < deadline, () -> soFar + " of " + byKey.size() + " indexed; log " + logFile);
                        Thread.sleep(2000);
                        openSearch.indices().refresh(r -> r.index(index));
                        indexed = 0;
                        for (String key : byKey.keySet()) {
                            var doc = openSearch.get(g -> g.index(index).id(key), ObjectNode.class);
                            indexed += doc.found() && doc.source().path("has_image_embedding").asBoolean() ? 1 : 0;
                        }
                    }
                    double toIndexed = seconds(daemonStarted);
                    long stop = System.nanoTime();
                    daemon.destroy(); // SIGTERM: the run script execs down to java, so java gets it
                    assertTrue(daemon.waitFor(90, TimeUnit.SECONDS), "no exit within 90 s of SIGTERM; log " + logFile);
                    assertEquals(0, daemon.exitValue(), "exit status after SIGTERM; log " + logFile);
                    double stopSeconds = seconds(stop);
                    assertEquals(0, queues.count(queues.queueUrl()), "messages stranded in the queue; log " + logFile);
                    assertEquals(0, queues.count(queues.dlqUrl()), "messages dead-lettered; log " + logFile);
                    double worst = 1;
                    for (Map.Entry<String, ClipReference.Image> entry : byKey.entrySet()) {
                        JsonNode doc = openSearch.get(g -> g.index(index).id(entry.getKey()), ObjectNode.class).source();
                        double cosine = VectorMath.cosine(ClipReference.floats(doc.path("image_embedding")),
                                entry.getValue().embedding());
                        assertTrue(cosine >= 0.9999, entry.getKey() + " cosine " + cosine);
                        worst = Math.min(worst, cosine);
                    }
                    String log = Files.readString(logFile, StandardCharsets.UTF_8);
                    assertTrue(log.contains("\"os_arch\":\"aarch64\""), "the daemon ran as arm64; log " + logFile);
                    log("daemon: %d notifications indexed %.1f s after start (min cosine %.6f), exit 0 %.1f s after "
                            + "SIGTERM, queue and dead-letter queue empty", byKey.size(), toIndexed, worst, stopSeconds);
                } finally {
                    if (daemon.isAlive()) {
                        daemon.destroyForcibly();
                    }
                }
            } finally {
                queues.delete();
                openSearch.indices().delete(d -> d.index(index));
                LocalStack.deleteObjects(s3, bucket, new ArrayList<>(byKey.keySet()));
                openSearch._transport().close();
            }
        }
    }
}

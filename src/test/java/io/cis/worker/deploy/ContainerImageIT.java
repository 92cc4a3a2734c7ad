package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.deploy.ScriptRunner.Result;
import io.cis.worker.embed.VectorMath;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.Documents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The Dockerfile, unchanged, built and run without a Docker engine: scripts/container-image.sh builds it with
 * buildah (--isolation chroot) on stand-in base images made from Debian's packages, and the image then runs the way
 * `docker run` would run it: as the image's USER, with its ENV plus the settings (as `--env-file` would add them),
 * its ENTRYPOINT with the arguments after it, the model directory mounted read-only, on the host's network (so the
 * local stack on 127.0.0.1 is reachable, like `--network host`). Everything the test runs is read from the built
 * image's configuration, not from the Dockerfile's text. Skipped, with the reason, where buildah or debootstrap
 * cannot run (not root, no Debian packages).
 */
class ContainerImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("scripts/container-image.sh");
    private static final ScriptRunner CONTAINER_IMAGE = new ScriptRunner(SCRIPT, Map.of());
    private static final int EXIT_CANNOT_RUN = 77;
    private static final String TAG = "localhost/cis-worker:it";
    private static final String STATE_DIR = "/var/lib/cis-worker";
    private static final String MODEL_DIR = STATE_DIR + "/model";
    /** The image does not set it: the code's default long-poll wait, which bounds an idle worker's stop. */
    private static final int LONG_POLL_SECONDS = 10;
    /** Long, so a message a stop strands cannot come back within the test: it shows up as in flight, not as slow. */
    private static final int VISIBILITY_SECONDS = 600;
    private static final Path LOGS = Path.of("target/it-logs");

    private static String cannotRun;
    private static JsonNode config;
    private static String container;
    private static Path root;
    private static LocalStackFixture stack;

    @BeforeAll
    static void buildTheImage() throws Exception {
        long started = System.nanoTime();
        Result build = CONTAINER_IMAGE.run(Duration.ofMinutes(45), "build", TAG);
        Files.createDirectories(LOGS);
        Files.writeString(LOGS.resolve("container-image-build.log"), build.output());
        if (build.exit() == EXIT_CANNOT_RUN) {
            // Reported as a skipped test (an aborted @BeforeAll would count as no test at all).
            cannotRun = "the Dockerfile is not built here: " + build.output().strip();
            log("%s", cannotRun);
            return;
        }
        assertEquals(0, build.exit(), "building the Dockerfile failed (target/it-logs/container-image-build.log):\n"
                + tail(build.output(), 60));
        log("image %s built after %.1f s (stand-ins and build; cached layers reused)", TAG, seconds(started));
        config = JSON.readTree(buildah(Duration.ofMinutes(1), "inspect", "--type", "image", TAG)).path("Docker").path("config");
        log("image size: %s", buildah(Duration.ofMinutes(1), "images", "--format", "{{.Size}}", TAG).strip());

        stack = LocalStackFixture.create("container", VISIBILITY_SECONDS);
        String run = UUID.randomUUID().toString().substring(0, 8);

        container = buildah(Duration.ofMinutes(2), "from", "--quiet", "--pull-never", "--name", "cis-worker-it-" + run, TAG).strip();
        root = Path.of(buildah(Duration.ofMinutes(1), "mount", container).strip());
        // `docker run --env-file`: the settings join the image's ENV in the container's configuration, so the
        // worker and the health check see the same environment.
        List<String> configure = new ArrayList<>(List.of("config"));
        stack.workerSettings().forEach((key, value) -> configure.addAll(List.of("--env", key + "=" + value)));
        configure.add(container);
        buildah(Duration.ofMinutes(1), configure.toArray(String[]::new));
    }

    @BeforeEach
    void skipWithoutBuildah() {
        Assumptions.assumeTrue(cannotRun == null, cannotRun);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (container != null) {
            CONTAINER_IMAGE.run(Duration.ofMinutes(2), "buildah", "rm", container);
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theImageBuildsAndRunsTheWorkerAsItsUser() throws Exception {
        int uid = imageContract();
        createIndexPassesThroughTheEntrypoint();

        Path log = LOGS.resolve("container-worker.log");
        Process worker = run(log, entrypoint());
        try {
            long java = awaitJava(worker);
            NetworkWatch network = new NetworkWatch(java);
            network.start();
            awaitReady(worker, log);
            runsAsItsUserWithTheModelReadOnly(java, uid);
            healthCheckSucceeds();

            List<ClipReference.Image> photos = smallPhotos();
            indexesNotifications(photos);
            nativesUnpackedUnderTheStateDirectory(uid);
            sigtermDrainsAndExits(worker, java, photos, log);
            network.stop();
            assertEquals(Set.of(), network.remote(), "the worker connected to nothing but the services on 127.0.0.1");
            log("sockets of the worker sampled %d times: none to anything but loopback", network.samples());
        } finally {
            if (worker.isAlive()) {
                worker.descendants().forEach(ProcessHandle::destroyForcibly);
                worker.destroyForcibly();
            }
        }
    }

    /** USER, state directory and HEALTHCHECK as the image's configuration says; returns the user's uid. */
    private static int imageContract() throws IOException {
        assertEquals("cis-worker", config.path("User").asText(), "runs as its own user: " + config);
        assertEquals(STATE_DIR, config.path("WorkingDir").asText());
        Map<String, String> passwd = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("etc/passwd"))) {
            passwd.put(line.substring(0, line.indexOf(':')), line);
        }
        String[] user = passwd.get("cis-worker").split(":");
        int uid = Integer.parseInt(user[2]);
        assertNotEquals(0, uid, "non-root");
        assertEquals(STATE_DIR, user[5]);
        PosixFileAttributes state = Files.readAttributes(root.resolve(STATE_DIR.substring(1)), PosixFileAttributes.class);
        assertEquals("cis-worker", ownerName(root.resolve(STATE_DIR.substring(1)), uid), "the user owns " + STATE_DIR);
        assertTrue(state.isDirectory());
        assertTrue(config.path("Healthcheck").path("Test").size() > 1, "HEALTHCHECK kept in the image: " + config);
        log("image config: User=%s Entrypoint=%s Env=%s", config.path("User").asText(), config.path("Entrypoint"), config.path("Env"));
        return uid;
    }

    /** `docker run IMAGE create-index`: the subcommand reaches the jar through the entrypoint's "$@". */
    private static void createIndexPassesThroughTheEntrypoint() throws Exception {
        List<String> command = entrypoint();
        command.add("create-index");
        Path log = LOGS.resolve("container-create-index.log");
        Process process = run(log, command);
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), "create-index did not finish");
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("created index " + stack.index()), output);
        assertTrue(stack.openSearch().indices().exists(e -> e.index(stack.index())).value(), stack.index() + " exists in OpenSearch");
    }

    /** The entrypoint's java process runs as the image's user, and the model directory is mounted read-only. */
    private static void runsAsItsUserWithTheModelReadOnly(long java, int uid) throws IOException {
        String status = Files.readString(Path.of("/proc/" + java + "/status"));
        String uids = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertEquals(List.of(uid, uid, uid, uid), Stream.of(uids.substring(4).trim().split("\\s+")).map(Integer::parseInt).toList(),
                "all of java's uids are the image user's: " + uids);
        String model = Files.readAllLines(Path.of("/proc/" + java + "/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(MODEL_DIR)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount at " + MODEL_DIR + " for the worker"));
        assertTrue(List.of(model.split(" ")[5].split(",")).contains("ro"), "the model is mounted read-only: " + model);
    }

    /** The image's HEALTHCHECK command, run in the container as Docker runs it (its user, its environment). */
    private static void healthCheckSucceeds() throws Exception {
        JsonNode test = config.path("Healthcheck").path("Test");
        assertEquals("CMD", test.get(0).asText(), test.toString());
        List<String> command = new ArrayList<>();
        for (int i = 1; i < test.size(); i++) {
            command.add(test.get(i).asText());
        }
        Path log = LOGS.resolve("container-healthcheck.log");
        Process check = run(log, command);
        assertTrue(check.waitFor(1, TimeUnit.MINUTES), "the health check did not finish");
        assertEquals(0, check.exitValue(), "HEALTHCHECK " + command + ":\n" + Files.readString(log));
        log("HEALTHCHECK exits 0 while the worker runs");
    }

    /** S3 notifications for the test photos: each document gets its photo's reference vector (libtorch ran). */
    private static void indexesNotifications(List<ClipReference.Image> photos) throws Exception {
        List<String> sent = stack.uploadAndNotify("first", photos, photos.size());
        for (int i = 0; i < sent.size(); i++) {
            JsonNode doc = Documents.await(stack.openSearch(), stack.index(), sent.get(i), Documents::embedded, Duration.ofMinutes(2));
            float[] vector = ClipReference.floats(doc.path("image_embedding"));
            double cosine = VectorMath.cosine(vector, photos.get(i).embedding());
            assertTrue(cosine > 0.999, sent.get(i) + ": cosine " + cosine + " to the reference of " + photos.get(i).file());
        }
        awaitCondition("the queue empty", Duration.ofSeconds(30), () -> stack.queues().count(stack.queues().queueUrl()) == 0);
        log("%d notifications indexed with their reference vectors", sent.size());
    }

    /** libtorch (DJL) and the JPEG decoder's natives (JavaCPP) unpacked under the state directory, by the user. */
    private static void nativesUnpackedUnderTheStateDirectory(int uid) throws IOException {
        for (String dir : List.of("djl", "javacpp")) {
            Path natives = root.resolve(STATE_DIR.substring(1)).resolve(dir);
            List<Path> libraries;
            try (Stream<Path> files = Files.walk(natives)) {
                libraries = files.filter(f -> f.getFileName().toString().contains(".so")).toList();
            }
            assertFalse(libraries.isEmpty(), "native libraries under " + STATE_DIR + "/" + dir);
            for (Path library : libraries) {
                assertEquals("cis-worker", ownerName(library, uid), library.toString());
            }
            log("%d native libraries under %s/%s", libraries.size(), STATE_DIR, dir);
        }
    }

    /**
     * SIGTERM to the entrypoint's process (what `docker stop` sends to PID 1) in the middle of a backlog: exit 0
     * within the long-poll wait + 2 s, and every message either indexed or back in the queue, none in flight.
     */
    private static void sigtermDrainsAndExits(Process worker, long java, List<ClipReference.Image> photos, Path log)
            throws Exception {
        long before = stack.embedded();
        List<String> backlog = stack.uploadAndNotify("stop-backlog", photos, 60);
        awaitCondition("the worker busy with the backlog", Duration.ofMinutes(2), () -> stack.embedded() >= before + 5);
        long stopping = System.nanoTime();
        assertTrue(ProcessHandle.of(java).orElseThrow().destroy(), "SIGTERM sent to java (PID " + java + ")");
        long limit = LONG_POLL_SECONDS + 2;
        boolean exited = worker.waitFor(limit, TimeUnit.SECONDS);
        double stopSeconds = seconds(stopping);
        assertTrue(exited, "exited within " + limit + " s of SIGTERM (see " + log + ")");
        assertEquals(0, worker.exitValue(), "a clean exit:\n" + tail(Files.readString(log), 20));
        Thread.sleep(2000);
        Map<QueueAttributeName, String> queue = stack.queueAttributes();
        assertEquals("0", queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                "nothing in flight after the worker stopped: " + queue);
        long left = Long.parseLong(queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
        long done = stack.embedded() - before;
        assertTrue(done + left >= backlog.size(), "every message either indexed (" + done + ") or back in the queue ("
                + left + ") of " + backlog.size());
        log("SIGTERM during a backlog: exit 0 after %.1f s; %d of %d indexed, %d back in the queue", stopSeconds, done,
                backlog.size(), left);
    }

    // --- the container ---

    /** The image's ENTRYPOINT, from its configuration. */
    private static List<String> entrypoint() {
        List<String> command = new ArrayList<>();
        config.path("Entrypoint").forEach(part -> command.add(part.asText()));
        assertFalse(command.isEmpty(), "the image has an ENTRYPOINT: " + config);
        return command;
    }

    /**
     * `buildah run` in the container: its USER, its environment and working directory, the host's network, and the
     * test model's directory mounted read-only where the image expects the model.
     */
    private static Process run(Path log, List<String> command) throws IOException {
        List<String> args = new ArrayList<>(List.of("bash", SCRIPT.toString(), "buildah", "run", "--isolation", "chroot",
                "--network", "host", "--volume", ClipReference.MODEL.toAbsolutePath().getParent() + ":" + MODEL_DIR + ":ro",
                container, "--"));
        args.addAll(command);
        return new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The java process the entrypoint's `exec` leaves running under `buildah run`. */
    private static long awaitJava(Process worker) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            for (ProcessHandle p : worker.descendants().toList()) {
                if (comm(p.pid()).equals("java")) {
                    return p.pid();
                }
            }
            assertTrue(worker.isAlive(), "buildah run exited with " + (worker.isAlive() ? "" : worker.exitValue()));
            Thread.sleep(100);
        }
        throw new AssertionError("no java process under buildah run within a minute");
    }

    /** /health/ready answered 200 on the host's 127.0.0.1 (the container shares the host's network). */
    private static void awaitReady(Process worker, Path log) throws Exception {
        long started = System.nanoTime();
        awaitCondition("/health/ready", Duration.ofMinutes(3), () -> {
            if (!worker.isAlive()) {
                throw new AssertionError("the worker exited " + worker.exitValue() + ":\n" + tail(read(log), 40));
            }
            return stack.ready();
        });
        log("ready %.1f s after `buildah run`", seconds(started));
    }

    /**
     * Samples the worker's sockets (its open file descriptors matched against the kernel's TCP and UDP tables)
     * while it runs, and keeps every peer that is not loopback: the image may reach the services and nothing else
     * (DJL offline, no model or library download).
     */
    private static final class NetworkWatch {
        private final long pid;
        private final Set<String> remote = new ConcurrentSkipListSet<>();
        private volatile boolean running = true;
        private volatile int samples;
        private Thread thread;

        NetworkWatch(long pid) {
            this.pid = pid;
        }

        void start() {
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    samples++;
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "network-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        Set<String> remote() {
            return new TreeSet<>(remote);
        }

        int samples() {
            return samples;
        }

        private void sample() {
            Set<String> inodes = new TreeSet<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(target.substring(8, target.length() - 1));
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
                for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/net/" + table)).stream().skip(1).toList()) {
                        String[] f = line.trim().split("\\s+");
                        if (inodes.contains(f[9]) && !local(f[2])) {
                            remote.add(table + " " + address(f[2]));
                        }
                    }
                }
            } catch (IOException e) {
                // the process is gone: nothing more to see
            }
        }

        /** Loopback or unspecified (a listening or unconnected socket), in /proc/net's hex form. */
        private static boolean local(String hex) {
            String ip = hex.substring(0, hex.indexOf(':'));
            return ip.matches("0+") || ip.endsWith("7F") && ip.length() == 8
                    || ip.equals("00000000000000000000000001000000")
                    || ip.startsWith("0000000000000000FFFF0000") && ip.endsWith("7F");
        }

        private static String address(String hex) {
            String ip = hex.substring(0, hex.indexOf(':'));
            int port = Integer.parseInt(hex.substring(hex.indexOf(':') + 1), 16);
            if (ip.length() == 8) {
                long v = Long.parseLong(ip, 16);
                return String.format(Locale.ROOT, "%d.%d.%d.%d:%d", v & 255, v >> 8 & 255, v >> 16 & 255, v >> 24 & 255, port);
            }
            return ip + ":" + port;
        }
    }

    // --- helpers ---

    private static String buildah(Duration timeout, String... args) {
        List<String> all = new ArrayList<>(List.of("buildah"));
        all.addAll(List.of(args));
        Result result = CONTAINER_IMAGE.run(timeout, all.toArray(String[]::new));
        if (result.exit() != 0) {
            throw new AssertionError("buildah " + String.join(" ", args) + " exited " + result.exit() + ":\n" + result.output());
        }
        return result.output();
    }

    /** The owner's name as the image's /etc/passwd has it (the host may not know the uid); of a link, the link's. */
    private static String ownerName(Path file, int uid) throws IOException {
        int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return owner == uid ? "cis-worker" : "uid " + owner;
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** The first six of the small test photos. */
    private static List<ClipReference.Image> smallPhotos() throws IOException {
        List<ClipReference.Image> photos = LocalStackFixture.smallPhotos();
        return photos.subList(0, Math.min(photos.size(), 6));
    }

    private static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.println("ContainerImageIT: " + String.format(Locale.ROOT, format, args));
    }
}

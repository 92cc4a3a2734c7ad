package io.cis.worker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The worker as operators run it: `java -jar target/cis-worker.jar` in its own process, so tests can send it
 * SIGTERM or SIGKILL. Its log (JSON lines) goes to target/it-logs/NAME.log for assertions and post-mortems.
 */
public final class WorkerProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target/cis-worker.jar");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Settings for the small test model and no metrics port, on top of the local stack's environment. */
    public static Map<String, String> testDefaults() {
        Map<String, String> env = new HashMap<>();
        env.put("MODEL_PATH", ClipReference.MODEL.toAbsolutePath().toString());
        env.put("MODEL_NAME", ClipReference.modelName());
        env.put("METRICS_PORT", "0");
        env.put("SQS_WAIT_TIME_SECONDS", "1");
        env.put("LOG_FORMAT", "json");
        return env;
    }

    public static WorkerProcess start(String name, Map<String, String> settings, String... args) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: integration tests run after `mvn package`");
        }
        try {
            Path log = Files.createDirectories(Path.of("target/it-logs")).resolve(name + ".log");
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx1g", "--enable-native-access=ALL-UNNAMED",
                    "-jar", JAR.toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(testDefaults());
            builder.environment().putAll(settings);
            return new WorkerProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for exit; returns the exit code, or fails the test if it does not exit in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("worker did not exit within " + timeout + "; log: " + log.toAbsolutePath());
        }
        return process.exitValue();
    }

    public void sigterm() {
        process.destroy(); // SIGTERM on Linux
    }

    public void kill9() {
        process.destroyForcibly(); // SIGKILL on Linux
    }

    public Path log() {
        return log;
    }

    /** The log's JSON lines (other lines, e.g. from the JVM, are ignored). */
    public List<JsonNode> logLines() {
        List<JsonNode> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("{")) {
                    try {
                        lines.add(JSON.readTree(line));
                    } catch (IOException e) {
                        // a line cut by a kill: skip it
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** One entry per item outcome line: s3_url -> the line. */
    public Map<String, JsonNode> outcomesByUrl() {
        Map<String, JsonNode> outcomes = new HashMap<>();
        for (JsonNode line : logLines()) {
            if (line.has("outcome") && line.has("s3_url") && !line.path("s3_url").isNull()) {
                outcomes.put(line.path("s3_url").asText(), line);
            }
        }
        return outcomes;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}

package io.cis.worker.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the project's scripts for a test: {@code bash SCRIPT ARG...} with its output (stdout and stderr
 * together) captured, and a deadline after which the script and everything it started are killed and the test
 * fails. NspawnMachine (scripts/systemd-container.sh) and ContainerImageIT (scripts/container-image.sh) both run
 * their script this way, so they share this one runner rather than each keeping a copy.
 */
final class ScriptRunner {

    /** The script's exit status and its output. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private final Path script;
    private final Map<String, String> environment;

    /** {@code environment}: added to the test JVM's own for every run of the script. */
    ScriptRunner(Path script, Map<String, String> environment) {
        this.script = script;
        this.environment = Map.copyOf(environment);
    }

    /** Runs the script with {@code args} and no input; fails the test if it does not finish within {@code timeout}. */
    Result run(Duration timeout, String... args) {
        return runWithInput(timeout, null, args);
    }

    /** Runs the script with {@code args} and {@code input} (null: none) on its standard input. */
    Result runWithInput(Duration timeout, String input, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        try {
            String name = script.getFileName().toString().replaceFirst("\\.sh$", "");
            Path output = Files.createTempFile(name + "-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
                builder.environment().putAll(environment);
                Process process = builder.start();
                // Written from another thread: a command that does not read its input must not block the test.
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> feed(process, input));
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    // What the script started too (buildah, debootstrap, a command in a machine): none of it may
                    // outlive the failed test.
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                            + tail(Files.readString(output), 40));
                }
                writer.join();
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void feed(Process process, String input) {
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command exited without reading everything: its exit status tells
        }
    }

    /** The last {@code lines} lines of {@code text}. */
    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}

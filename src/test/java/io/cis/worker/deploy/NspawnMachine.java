package io.cis.worker.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Debian 12 machine with a real systemd as PID 1, booted by scripts/systemd-container.sh (systemd-nspawn) on the
 * host's network. Commands run inside as root, like an operator's shell on the instance.
 */
final class NspawnMachine {

    static final Path SCRIPT = Path.of("scripts/systemd-container.sh");
    /** The script's "cannot run here" status: not root, no debootstrap or packages, no boot. */
    static final int EXIT_CANNOT_RUN = 77;

    /** Thrown when the machine cannot be had here; the reason is the script's own message. */
    static final class CannotRun extends Exception {
        CannotRun(String reason) {
            super(reason);
        }
    }

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private final Path runDir;

    private NspawnMachine(Path runDir) {
        this.runDir = runDir;
    }

    /** Builds the root file system if it is not cached yet (a minute or two on a fresh machine). */
    static void build() throws CannotRun {
        Result build = script(Duration.ofMinutes(30), null, "build");
        if (!build.ok()) {
            throw cannotRunOrFail("build", build);
        }
    }

    /** Boots a throwaway copy of the root file system; {@code nspawnOptions} go to systemd-nspawn (e.g. --bind-ro=). */
    static NspawnMachine boot(Path runDir, String... nspawnOptions) throws CannotRun {
        List<String> args = new ArrayList<>(List.of("boot", runDir.toString()));
        args.addAll(List.of(nspawnOptions));
        Result boot = script(Duration.ofMinutes(5), null, args.toArray(String[]::new));
        if (!boot.ok()) {
            throw cannotRunOrFail("boot", boot);
        }
        return new NspawnMachine(runDir);
    }

    private static CannotRun cannotRunOrFail(String step, Result result) {
        if (result.exit() == EXIT_CANNOT_RUN) {
            return new CannotRun(result.output().strip());
        }
        throw new AssertionError(SCRIPT + " " + step + " failed (exit " + result.exit() + "):\n" + result.output());
    }

    /** Runs a command inside as root; fails the test if it does not finish in time. */
    Result exec(Duration timeout, String... command) {
        return execWithInput(timeout, null, command);
    }

    /** Runs a command inside as root with {@code input} on its standard input. */
    Result execWithInput(Duration timeout, String input, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", runDir.toString()));
        args.addAll(List.of(command));
        return script(timeout, input, args.toArray(String[]::new));
    }

    /** Runs a command inside and fails the test unless it exits 0; returns its output. */
    String run(String... command) {
        Result result = exec(Duration.ofMinutes(2), command);
        if (!result.ok()) {
            throw new AssertionError(String.join(" ", command) + " exited " + result.exit() + " in the machine:\n" + result.output());
        }
        return result.output();
    }

    /** `systemctl show -p NAME --value UNIT`. */
    String property(String unit, String name) {
        return run("systemctl", "show", "-p", name, "--value", unit).strip();
    }

    boolean exists(String path) {
        return exec(Duration.ofSeconds(30), "test", "-e", path).ok();
    }

    /** Powers the machine off, removes its copy of the root file system and keeps its console log in {@code logDir}. */
    void close(Path logDir) throws IOException {
        script(Duration.ofMinutes(2), null, "stop", runDir.toString());
        Path console = runDir.resolve("console.log");
        if (Files.exists(console)) {
            Files.move(console, Files.createDirectories(logDir).resolve("systemd-nspawn-console.log"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        try (Stream<Path> files = Files.walk(runDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private static Result script(Duration timeout, String input, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile("nspawn-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
                // A machine outlives this JVM only until the script's watchdog notices that it is gone.
                builder.environment().put("CIS_CONTAINER_OWNER_PID", Long.toString(ProcessHandle.current().pid()));
                Process process = builder.start();
                // Written from another thread: a command that does not read its input must not block the test.
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> feed(process, input));
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                            + Files.readString(output));
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
}

package io.cis.worker.deploy;

import io.cis.worker.deploy.ScriptRunner.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Debian 12 machine with a real systemd as PID 1, booted by scripts/systemd-container.sh (systemd-nspawn) on the
 * host's network. Commands run inside as root, like an operator's shell on the instance.
 */
final class NspawnMachine {

    static final Path SCRIPT = Path.of("scripts/systemd-container.sh");
    /** The script's "cannot run here" status: not root, no debootstrap or packages, no boot. */
    static final int EXIT_CANNOT_RUN = 77;
    /** A machine outlives this JVM only until the script's watchdog notices that it is gone. */
    private static final ScriptRunner RUNNER = new ScriptRunner(SCRIPT,
            Map.of("CIS_CONTAINER_OWNER_PID", Long.toString(ProcessHandle.current().pid())));

    /** Thrown when the machine cannot be had here; the reason is the script's own message. */
    static final class CannotRun extends Exception {
        CannotRun(String reason) {
            super(reason);
        }
    }

    private final Path runDir;

    private NspawnMachine(Path runDir) {
        this.runDir = runDir;
    }

    /** Builds the root file system if it is not cached yet (a minute or two on a fresh machine). */
    static void build() throws CannotRun {
        Result build = RUNNER.run(Duration.ofMinutes(30), "build");
        if (!build.ok()) {
            throw cannotRunOrFail("build", build);
        }
    }

    /** Boots a throwaway copy of the root file system; {@code nspawnOptions} go to systemd-nspawn (e.g. --bind-ro=). */
    static NspawnMachine boot(Path runDir, String... nspawnOptions) throws CannotRun {
        List<String> args = new ArrayList<>(List.of("boot", runDir.toString()));
        args.addAll(List.of(nspawnOptions));
        Result boot = RUNNER.run(Duration.ofMinutes(5), args.toArray(String[]::new));
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
        return RUNNER.runWithInput(timeout, input, args.toArray(String[]::new));
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
        RUNNER.run(Duration.ofMinutes(2), "stop", runDir.toString());
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
}

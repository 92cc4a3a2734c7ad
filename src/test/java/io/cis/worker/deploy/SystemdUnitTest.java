package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit: what it must say (checked against the code's settings), and `systemd-analyze verify` on it.
 * scripts/test.sh installs Debian's systemd package when systemd-analyze is missing and it runs as root.
 */
class SystemdUnitTest {

    static final String JAVA_FLAGS = "-Dai.djl.offline=true -Dorg.bytedeco.javacpp.cachedir=/var/lib/cis-worker/javacpp "
            + "--enable-native-access=ALL-UNNAMED";

    @Test
    void runsTheJarAsItsOwnUserWithTheConfigFileAndStateDirectory() throws IOException {
        SystemdUnit unit = SystemdUnit.read();
        assertEquals("cis-worker", unit.get("Service", "User"));
        assertEquals("/etc/cis-worker/cis-worker.env", unit.get("Service", "EnvironmentFile"));
        assertEquals("/var/lib/cis-worker", unit.get("Service", "ReadWritePaths"));
        assertEquals("cis-worker", unit.get("Service", "StateDirectory"));
        Map<String, String> env = unit.environment();
        assertEquals(Settings.MODEL_PATH.defaultValue(), env.get("MODEL_PATH"));
        assertEquals("/var/lib/cis-worker/model/model.pt", env.get("MODEL_PATH"));
        assertEquals("/var/lib/cis-worker/djl", env.get("DJL_CACHE_DIR"));
        assertEquals("1", env.get("OPENBLAS_NUM_THREADS"));
        assertEquals(Settings.JAVA_OPTS.defaultValue(), env.get("JAVA_OPTS"), "the unit's JVM flags are the documented default");

        String exec = unit.get("Service", "ExecStart");
        assertEquals("/usr/bin/java $JAVA_OPTS " + JAVA_FLAGS + " -jar " + InstallLayout.JAR, exec);
    }

    @Test
    void stopsGracefullyWithinTheDrainGraceAndRestartsWithALimit() throws IOException {
        SystemdUnit unit = SystemdUnit.read();
        assertEquals("SIGTERM", unit.get("Service", "KillSignal"));
        int grace = Integer.parseInt(Settings.SHUTDOWN_GRACE_SECONDS.defaultValue());
        int stopTimeout = Integer.parseInt(unit.get("Service", "TimeoutStopSec"));
        assertTrue(stopTimeout >= grace + 10,
                "TimeoutStopSec=" + stopTimeout + " must leave time after the " + grace + " s drain to flush and close");
        assertEquals("on-failure", unit.get("Service", "Restart"));
        assertNotNull(unit.get("Unit", "StartLimitIntervalSec"));
        assertTrue(Integer.parseInt(unit.get("Unit", "StartLimitBurst")) > 1);
        assertEquals("journal", unit.get("Service", "StandardError"));
    }

    @Test
    void isHardened() throws IOException {
        SystemdUnit unit = SystemdUnit.read();
        Map<String, String> expected = Map.of("NoNewPrivileges", "yes", "ProtectSystem", "strict", "ProtectHome", "yes",
                "PrivateTmp", "yes", "CapabilityBoundingSet", "", "PrivateDevices", "yes");
        expected.forEach((key, value) -> assertEquals(value, unit.get("Service", key), key));
        assertTrue(unit.get("Service", "MemoryDenyWriteExecute") == null, "the JIT needs W+X memory");
    }

    @Test
    void systemdAnalyzeVerifyAcceptsIt(@TempDir Path dir) throws Exception {
        Path copy = withThisJava(dir);
        Result result = run("systemd-analyze", "verify", "--man=no", copy.toString());
        // verify exits 0 on unknown directives and unparseable values, printing a warning: any output is a failure.
        assertEquals(0, result.exit(), result.output());
        assertEquals("", result.output().strip(), "systemd-analyze verify warnings");
    }

    @Test
    void theVerifyCheckCatchesAMistake(@TempDir Path dir) throws Exception {
        Path copy = withThisJava(dir);
        Files.writeString(copy, Files.readString(copy).replace("ProtectSystem=strict", "ProtectSystem=strickt")
                .replace("TimeoutStopSec=45", "TimeoutStopSec=forty-five"));
        Result result = run("systemd-analyze", "verify", "--man=no", copy.toString());
        assertTrue(result.output().contains("strickt") && result.output().contains("forty-five"), result.output());
    }

    @Test
    void systemdRatesItsExposureLow(@TempDir Path dir) throws Exception {
        Result result = run("systemd-analyze", "security", "--offline=true", withThisJava(dir).toString());
        Assumptions.assumeTrue(result.exit() == 0 || result.output().contains("Overall exposure"),
                "this systemd-analyze cannot rate unit files offline (needs systemd 252+): " + result.output());
        Matcher m = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+)").matcher(result.output());
        assertTrue(m.find(), result.output());
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 2.5, "exposure " + exposure + " (0 = locked down, 10 = exposed):\n" + result.output());
    }

    /**
     * The backfill template runs the same JVM, environment defaults, caches and hardening as the daemon: only how it
     * runs (oneshot, once, its own log name and optional backfill.env) differs. Before, it lacked DJL_CACHE_DIR, the
     * JavaCPP cache directory, JAVA_OPTS, OPENBLAS_NUM_THREADS, SystemCallFilter, ProtectProc, PrivateMounts, RemoveIPC.
     */
    @Test
    void theBackfillUnitHasTheDaemonsEnvironmentAndHardening() throws IOException {
        Map<String, List<String>> daemon = new java.util.TreeMap<>(SystemdUnit.read().sections().get("Service"));
        Map<String, List<String>> backfill = new java.util.TreeMap<>(SystemdUnit.read(SystemdUnit.BACKFILL_FILE)
                .sections().get("Service"));
        List<String> lifecycle = List.of("Type", "ExecStart", "Restart", "RestartSec", "RestartPreventExitStatus",
                "TimeoutStartSec", "SyslogIdentifier", "EnvironmentFile");
        lifecycle.forEach(daemon::remove);
        lifecycle.forEach(backfill::remove);
        assertEquals(daemon, backfill);

        SystemdUnit unit = SystemdUnit.read(SystemdUnit.BACKFILL_FILE);
        assertEquals("/usr/bin/java $JAVA_OPTS " + JAVA_FLAGS + " -jar " + InstallLayout.JAR
                + " --backfill --slice %i $BACKFILL_ARGS", unit.get("Service", "ExecStart"));
        assertEquals(List.of("/etc/cis-worker/cis-worker.env", "-/etc/cis-worker/backfill.env"),
                unit.sections().get("Service").get("EnvironmentFile"));
        assertEquals("oneshot", unit.get("Service", "Type"));
        assertEquals("no", unit.get("Service", "Restart"));
    }

    /**
     * The GPU drop-in, as an operator installs it beside the units: systemd reads it (a typo in it is reported)
     * and accepts it without a warning, for the daemon and for a backfill instance.
     */
    @Test
    void theGpuDropInIsAcceptedBySystemdAnalyzeVerify(@TempDir Path dir) throws Exception {
        Path daemon = withThisJava(dir);
        Path backfill = dir.resolve("cis-worker-backfill@.service");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(backfill, Files.readString(SystemdUnit.BACKFILL_FILE)
                .replace("ExecStart=/usr/bin/java ", "ExecStart=" + java + " "));
        Path instance = Files.createSymbolicLink(dir.resolve("cis-worker-backfill@0-2.service"), backfill);
        for (String unit : List.of("cis-worker.service.d", "cis-worker-backfill@.service.d")) {
            Files.copy(SystemdUnit.GPU_DROP_IN, Files.createDirectory(dir.resolve(unit)).resolve("gpu.conf"));
        }
        Map<String, String> service = new java.util.HashMap<>();
        SystemdUnit.read(SystemdUnit.GPU_DROP_IN).sections().get("Service").forEach((k, v) -> service.put(k, v.get(0)));
        assertEquals("no", service.get("PrivateDevices"), "the drop-in must show /dev/nvidia*");
        assertEquals("closed", service.get("DevicePolicy"));

        Result result = run("systemd-analyze", "verify", "--man=no", daemon.toString(), instance.toString());
        assertEquals(0, result.exit(), result.output());
        assertEquals("", result.output().strip(), "systemd-analyze verify warnings");

        // The drop-ins are really read: a mistake in one is reported for its unit.
        Files.writeString(dir.resolve("cis-worker.service.d/gpu.conf"),
                Files.readString(SystemdUnit.GPU_DROP_IN).replace("DevicePolicy=closed", "DevicePolicy=clozed"));
        Result broken = run("systemd-analyze", "verify", "--man=no", daemon.toString());
        assertTrue(broken.output().contains("clozed"), broken.output());
    }

    /**
     * A copy whose ExecStart uses this JVM: verify insists the binary exists, and on a developer machine java may
     * live elsewhere than /usr/bin/java (install.sh makes sure it is there on a host).
     */
    private static Path withThisJava(Path dir) throws IOException {
        Assumptions.assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed (Debian package systemd; "
                + "scripts/test.sh installs it when run as root): unit verification skipped");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path copy = dir.resolve("cis-worker.service");
        String text = Files.readString(SystemdUnit.FILE);
        assertTrue(text.contains("ExecStart=/usr/bin/java "));
        Files.writeString(copy, text.replace("ExecStart=/usr/bin/java ", "ExecStart=" + java + " "));
        return copy;
    }

    record Result(int exit, String output) {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        return new Result(process.exitValue(), output);
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void unitFileHasNoTabsOrTrailingSpaces() throws IOException {
        for (String line : Files.readAllLines(SystemdUnit.FILE)) {
            assertFalse(line.contains("\t") || line.endsWith(" "), "'" + line + "'");
        }
    }
}

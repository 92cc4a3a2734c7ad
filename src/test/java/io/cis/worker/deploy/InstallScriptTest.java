package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/install.sh in a throwaway root (--root): the layout the unit expects, idempotent upgrades that keep the
 * operator's configuration, --dry-run changing nothing, and --uninstall with and without --purge.
 */
class InstallScriptTest {

    @TempDir
    Path tmp;

    record Result(int exit, String output) {
    }

    private Result install(Path root, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "scripts/install.sh", "--root", root.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "install.sh did not finish");
        return new Result(process.exitValue(), output);
    }

    /** A jar shaped like the worker's: libtorch's and JavaCPP's natives under their platforms' directories. */
    private Path jarWithNatives(String name, String pytorchPlatform, String javacppPlatform) throws IOException {
        Path jar = tmp.resolve(name);
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
            for (String entry : List.of("pytorch/cpu/" + pytorchPlatform + "/libtorch_cpu.so",
                    "org/bytedeco/javacpp/" + javacppPlatform + "/libjnijavacpp.so")) {
                zip.putNextEntry(new java.util.zip.ZipEntry(entry));
                zip.write(new byte[4096]); // deflated: only the entry names are readable in the archive
                zip.closeEntry();
            }
        }
        return jar;
    }

    private static String machine() throws IOException, InterruptedException {
        Process uname = new ProcessBuilder("uname", "-m").start();
        String machine = new String(uname.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        uname.waitFor();
        return machine;
    }

    @Test
    void refusesAJarWhoseNativesAreForAnotherArchitectureNamingBoth() throws Exception {
        String machine = machine();
        boolean arm = machine.equals("aarch64");
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path foreign = arm ? jarWithNatives("x86.jar", "linux-x86_64", "linux-x86_64")
                : jarWithNatives("arm64.jar", "linux-aarch64", "linux-arm64");
        Result refused = install(root, "--jar", foreign.toString());
        assertEquals(1, refused.exit(), refused.output());
        String foreignPlatform = arm ? "linux-x86_64" : "linux-aarch64";
        assertTrue(refused.output().contains("natives for " + foreignPlatform + " but this machine is " + machine
                + " (uname -m)"), refused.output());
        assertFalse(Files.exists(under(root, InstallLayout.JAR)), "nothing installed");

        // Half one platform, half the other (a hand-set -Djavacpp.platform): refused too, both named.
        Result mixed = install(root, "--jar", jarWithNatives("mixed.jar", "linux-x86_64", "linux-arm64").toString());
        assertEquals(1, mixed.exit(), mixed.output());
        assertTrue(mixed.output().contains("natives for linux-aarch64 linux-x86_64"), mixed.output());

        Path own = arm ? jarWithNatives("own.jar", "linux-aarch64", "linux-arm64")
                : jarWithNatives("own.jar", "linux-x86_64", "linux-x86_64");
        Result installed = install(root, "--jar", own.toString());
        assertEquals(0, installed.exit(), installed.output());
        assertTrue(installed.output().contains("matching this machine (" + machine + ")"), installed.output());
        assertTrue(Files.exists(under(root, InstallLayout.JAR)));
    }

    private static Path under(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }

    @Test
    void installsTheLayoutTheUnitExpectsAndUpgradesWithoutTouchingTheConfig() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path jar = Files.writeString(tmp.resolve("cis-worker.jar"), "jar v1");
        Path model = Files.writeString(tmp.resolve("model.pt"), "torchscript");
        Files.writeString(tmp.resolve("model.json"), "{\"model_name\":\"openai/clip-vit-base-patch32\"}");

        Result first = install(root, "--jar", jar.toString(), "--model", model.toString());
        assertEquals(0, first.exit(), first.output());
        assertEquals("jar v1", Files.readString(under(root, InstallLayout.JAR)));
        assertEquals("torchscript", Files.readString(under(root, InstallLayout.MODEL)));
        assertTrue(Files.readString(under(root, InstallLayout.STATE_DIR + "/model/model.json")).contains("clip-vit-base"));
        assertEquals(Files.readString(SystemdUnit.FILE), Files.readString(under(root, InstallLayout.UNIT)));
        assertEquals(Files.readString(SystemdUnit.BACKFILL_FILE), Files.readString(under(root, InstallLayout.BACKFILL_UNIT)),
                "the README's systemctl start cis-worker-backfill@0-4 needs the template installed");
        assertEquals(Files.readString(SystemdUnit.GPU_DROP_IN), Files.readString(under(root, "/opt/cis-worker/gpu.conf")));
        Path envFile = under(root, InstallLayout.ENV_FILE);
        assertEquals(Files.readString(Path.of("config/cis-worker.env.example")), Files.readString(envFile));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(envFile)),
                "the env file may hold a password: not world-readable");
        assertTrue(Files.isDirectory(under(root, InstallLayout.STATE_DIR + "/djl")));
        assertTrue(Files.isDirectory(under(root, InstallLayout.STATE_DIR + "/javacpp")));
        assertTrue(first.output().contains("MODEL_SHA256=" + sha256("torchscript")), first.output());

        // The operator configures; a later install brings a new jar and must keep that configuration.
        Files.writeString(envFile, "SQS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/cis-worker\n");
        Files.writeString(jar, "jar v2");
        Result second = install(root, "--jar", jar.toString());
        assertEquals(0, second.exit(), second.output());
        assertEquals("jar v2", Files.readString(under(root, InstallLayout.JAR)));
        assertEquals("SQS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/cis-worker\n", Files.readString(envFile));
        assertEquals("torchscript", Files.readString(under(root, InstallLayout.MODEL)), "the model stays without --model");
        assertTrue(Files.exists(under(root, InstallLayout.ENV_FILE + ".example")));
        try (Stream<Path> files = Files.walk(root)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".new")).toList(), "no half-done replacements");
        }
    }

    @Test
    void dryRunPrintsEveryChangeAndMakesNone() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path jar = Files.writeString(tmp.resolve("cis-worker.jar"), "jar");
        Result result = install(root, "--dry-run", "--jar", jar.toString());
        assertEquals(0, result.exit(), result.output());
        try (Stream<Path> files = Files.list(root)) {
            assertEquals(0, files.count(), "a dry run must not create anything");
        }
        List<String> commands = result.output().lines().filter(l -> l.startsWith("+ ")).toList();
        assertTrue(commands.stream().anyMatch(c -> c.contains(root + InstallLayout.JAR)), result.output());
        assertTrue(commands.stream().anyMatch(c -> c.contains(root + InstallLayout.UNIT)), result.output());
        assertTrue(commands.stream().anyMatch(c -> c.contains(root + InstallLayout.ENV_FILE)), result.output());
        for (String command : commands) {
            for (String word : command.split(" ")) {
                if (word.startsWith("/")) {
                    assertTrue(word.startsWith(root.toString()) || word.startsWith(tmp.toString())
                                    || word.startsWith(Path.of("").toAbsolutePath().toString()),
                            "a path outside the install root: " + command);
                }
            }
        }
    }

    @Test
    void uninstallKeepsConfigAndStateUnlessPurged() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path jar = Files.writeString(tmp.resolve("cis-worker.jar"), "jar");
        Path model = Files.writeString(tmp.resolve("model.pt"), "m");
        assertEquals(0, install(root, "--jar", jar.toString(), "--model", model.toString()).exit());

        Result uninstall = install(root, "--uninstall");
        assertEquals(0, uninstall.exit(), uninstall.output());
        assertFalse(Files.exists(under(root, InstallLayout.JAR)));
        assertFalse(Files.exists(under(root, InstallLayout.UNIT)));
        assertFalse(Files.exists(under(root, InstallLayout.BACKFILL_UNIT)), "the backfill template goes with the daemon's");
        assertTrue(Files.exists(under(root, InstallLayout.ENV_FILE)));
        assertTrue(Files.exists(under(root, InstallLayout.MODEL)));

        // The operator's drop-ins (the GPU one, systemctl edit) are configuration: kept, except by --purge.
        Path dropIn = under(root, InstallLayout.BACKFILL_UNIT + ".d/gpu.conf");
        Files.createDirectories(dropIn.getParent());
        Files.writeString(dropIn, "[Service]\nPrivateDevices=no\n");
        assertEquals(0, install(root, "--uninstall").exit());
        assertTrue(Files.exists(dropIn));

        Result purge = install(root, "--uninstall", "--purge");
        assertEquals(0, purge.exit(), purge.output());
        assertFalse(Files.exists(under(root, "/etc/cis-worker")));
        assertFalse(Files.exists(under(root, InstallLayout.STATE_DIR)));
        assertFalse(Files.exists(dropIn.getParent()), purge.output());
    }

    @Test
    void refusesWhatItCannotDo() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Result missingJar = install(root, "--jar", tmp.resolve("nope.jar").toString());
        assertTrue(missingJar.exit() != 0 && missingJar.output().contains("jar not found"), missingJar.output());
        Result purgeAlone = install(root, "--purge");
        assertEquals(2, purgeAlone.exit(), purgeAlone.output());
        Result unknown = install(root, "--frobnicate");
        assertEquals(2, unknown.exit(), unknown.output());
    }

    @Test
    void installsTheBf16ExportBesideTheModelAndRemovesAStaleOne() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path jar = Files.writeString(tmp.resolve("cis-worker.jar"), "jar");
        Path export = Files.createDirectory(tmp.resolve("export"));
        Path model = Files.writeString(export.resolve("model.pt"), "fp32 weights");
        Files.writeString(export.resolve("model.json"), "{\"dtype\":\"float32\"}");
        Files.writeString(export.resolve("model-bf16.pt"), "bf16 weights");
        Files.writeString(export.resolve("model-bf16.json"), "{\"dtype\":\"bfloat16\"}");
        Path modelDir = under(root, InstallLayout.STATE_DIR + "/model");

        Result first = install(root, "--jar", jar.toString(), "--model", model.toString());
        assertEquals(0, first.exit(), first.output());
        assertEquals("bf16 weights", Files.readString(modelDir.resolve("model-bf16.pt")));
        assertEquals("{\"dtype\":\"bfloat16\"}", Files.readString(modelDir.resolve("model-bf16.json")));
        assertTrue(first.output().contains("MODEL_SHA256=" + sha256("fp32 weights") + "," + sha256("bf16 weights")),
                first.output());

        // A new model without a bf16 export: the old one's must not stay beside it (other weights).
        Path other = Files.writeString(Files.createDirectory(tmp.resolve("other")).resolve("model.pt"), "new fp32");
        Result second = install(root, "--jar", jar.toString(), "--model", other.toString());
        assertEquals(0, second.exit(), second.output());
        assertFalse(Files.exists(modelDir.resolve("model-bf16.pt")), second.output());
        assertFalse(Files.exists(modelDir.resolve("model-bf16.json")));
        assertTrue(second.output().contains("MODEL_SHA256=" + sha256("new fp32") + "\n"), second.output());
    }

    @Test
    void aNewModelWithoutModelJsonDoesNotKeepTheOldOne() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path jar = Files.writeString(tmp.resolve("cis-worker.jar"), "jar");
        Path export = Files.createDirectory(tmp.resolve("export"));
        Path model = Files.writeString(export.resolve("model.pt"), "old weights");
        Files.writeString(export.resolve("model.json"), "{\"model_name\":\"openai/clip-vit-base-patch32\",\"dtype\":\"float32\"}");
        Path modelJson = under(root, InstallLayout.STATE_DIR + "/model/model.json");
        assertEquals(0, install(root, "--jar", jar.toString(), "--model", model.toString()).exit());
        assertTrue(Files.exists(modelJson));

        // Start-up checks model.json against the model: the old one's name and dtype must not judge the new weights.
        Path other = Files.writeString(Files.createDirectory(tmp.resolve("other")).resolve("model.pt"), "new weights");
        Result upgrade = install(root, "--jar", jar.toString(), "--model", other.toString());
        assertEquals(0, upgrade.exit(), upgrade.output());
        assertEquals("new weights", Files.readString(under(root, InstallLayout.MODEL)));
        assertFalse(Files.exists(modelJson), upgrade.output());

        // Without --model the installed model and its model.json stay as they are.
        assertEquals(0, install(root, "--jar", jar.toString(), "--model", model.toString()).exit());
        assertEquals(0, install(root, "--jar", jar.toString()).exit());
        assertTrue(Files.exists(modelJson));
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}

package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cis.worker.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackfillUnitFileTest {

    private static final Path UNIT = Path.of("systemd/cis-worker-backfill@.service");

    @Test
    void theInstanceNameIsTheSliceAndStopWaitsLongerThanTheDrain() throws IOException {
        String unit = Files.readString(UNIT);
        assertTrue(unit.contains("--backfill --slice %i"), "ExecStart passes the instance as the slice");
        assertEquals(new Slice(2, 4), Slice.parse("2-4"), "instance names like 2-4 are slices");
        Matcher stop = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)$").matcher(unit);
        assertTrue(stop.find());
        assertTrue(Integer.parseInt(stop.group(1)) > Integer.parseInt(Settings.SHUTDOWN_GRACE_SECONDS.defaultValue()));
        assertTrue(unit.contains("Type=oneshot") && unit.contains("TimeoutStartSec=infinity"));
    }

    @Test
    void systemdAcceptsTheUnit(@TempDir Path dir) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
        Path template = Files.copy(UNIT, dir.resolve(UNIT.getFileName()));
        Path instance = Files.createSymbolicLink(dir.resolve("cis-worker-backfill@0-4.service"), template);
        Process verify = new ProcessBuilder(analyze.toString(), "verify", instance.toString())
                .redirectErrorStream(true).start();
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, verify.exitValue(), output);
        assertTrue(output.isBlank(), "no warnings: " + output);
    }
}

package io.cis.worker.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One line per fault scenario for scripts/chaos.sh: written to target/chaos-summary/NAME.txt by each test after its
 * assertions ran (a failed scenario writes its line first, marked FAILED, so the table shows it).
 */
record ChaosSummary(String scenario, int messages, String faults, int indexed, int lost, int duplicateDeliveries,
                    int deadLettered, long peakRssMb, String result) {

    static final Path DIR = Path.of("target/chaos-summary");
    String line() {
        return String.format(Locale.ROOT, "%-22s %8d  %-44s %8d %5d %11d %13d %6d MB  %s",
                scenario, messages, faults, indexed, lost, duplicateDeliveries, deadLettered, peakRssMb, result);
    }

    void write() {
        try {
            Files.createDirectories(DIR);
            Files.writeString(DIR.resolve(scenario + ".txt"), line() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

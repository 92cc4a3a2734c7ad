package io.cis.worker.cli;

import io.cis.worker.config.RawSettings;
import io.cis.worker.config.WorkerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --config option every command shares, and loading the validated configuration from it. */
public final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "KEY=VALUE settings file (default: $CIS_CONFIG_FILE); environment variables override it.")
    Path configFile;

    public WorkerConfig load(WorkerConfig.Scope scope) {
        return WorkerConfig.from(raw(), scope);
    }

    /** The settings as given (file, then environment), before validation. */
    public RawSettings raw() {
        Path file = configFile;
        if (file == null && System.getenv("CIS_CONFIG_FILE") != null && !System.getenv("CIS_CONFIG_FILE").isBlank()) {
            file = Path.of(System.getenv("CIS_CONFIG_FILE"));
        }
        try {
            return RawSettings.load(file, System.getenv());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }
}

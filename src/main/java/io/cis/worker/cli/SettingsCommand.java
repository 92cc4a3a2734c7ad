package io.cis.worker.cli;

import io.cis.worker.config.SettingsDocument;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "Print every setting with its default, allowed values and meaning (env file or markdown table).")
public final class SettingsCommand implements Callable<Integer> {

    enum Format { env, markdown }

    @Option(names = "--format", defaultValue = "env", description = "env or markdown (default: ${DEFAULT-VALUE})")
    Format format;

    @Override
    public Integer call() {
        System.out.print(format == Format.env ? SettingsDocument.exampleEnvFile() : SettingsDocument.markdownTable());
        return 0;
    }
}

package io.cis.worker.cli;

import io.cis.worker.app.Daemon;
import io.cis.worker.config.WorkerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cis-worker", mixinStandardHelpOptions = true,
        description = {"Embeds S3 images with CLIP and writes the vectors to OpenSearch.",
                "Without a subcommand: run the queue worker until SIGTERM."},
        subcommands = {EmbedCommand.class, CreateIndexCommand.class, EnqueueCommand.class, SettingsCommand.class,
                DemoReportCommand.class, BackfillCommand.class, DlqCommand.class, BenchCommand.class})
public final class RootCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--exit-when-idle", paramLabel = "SECONDS",
            description = "Exit once the queue has been empty for this long (overrides EXIT_WHEN_IDLE_SECONDS).")
    Integer exitWhenIdleSeconds;

    @Override
    public Integer call() {
        WorkerConfig workerConfig = config.load(WorkerConfig.Scope.DAEMON);
        return new Daemon(workerConfig, exitWhenIdleSeconds).run();
    }
}

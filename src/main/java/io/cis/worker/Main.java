package io.cis.worker;

import io.cis.worker.app.BuildPlatform;
import io.cis.worker.cli.RootCommand;
import io.cis.worker.config.ConfigException;
import io.cis.worker.core.Reason;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import static net.logstash.logback.argument.StructuredArguments.kv;

/** Entry point: `cis-worker` runs the daemon; subcommands run one-off jobs. */
public final class Main {

    /** Invalid settings: nothing was started. */
    public static final int EXIT_BAD_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
        // Before anything loads a native library: on the wrong CPU, one line that says so, and no restart (exit 2,
        // the unit's RestartPreventExitStatus), instead of an UnsatisfiedLinkError when the model loads.
        Optional<String> builtFor = BuildPlatform.recorded();
        Optional<String> wrongPlatform = BuildPlatform.mismatch(builtFor, System.getProperty("os.name"),
                System.getProperty("os.arch"));
        if (wrongPlatform.isPresent()) {
            LoggerFactory.getLogger(Main.class).error(wrongPlatform.get(), kv("reason", Reason.WRONG_PLATFORM.code()),
                    kv("built_for", builtFor.orElse("")), kv("os_arch", System.getProperty("os.arch")));
            System.exit(EXIT_BAD_CONFIG);
        }
        CommandLine commandLine = new CommandLine(new RootCommand());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Expected operator errors get their message, not a stack trace.
            if (e instanceof ConfigException) {
                System.err.println(e.getMessage());
                return EXIT_BAD_CONFIG;
            }
            throw e;
        });
        System.exit(commandLine.execute(normalize(args)));
    }

    /** `--backfill ...` (the flag operators know) is the `backfill` subcommand. */
    static String[] normalize(String[] args) {
        if (args.length > 0 && "--backfill".equals(args[0])) {
            String[] rewritten = Arrays.copyOf(args, args.length);
            rewritten[0] = "backfill";
            return rewritten;
        }
        return args;
    }
}

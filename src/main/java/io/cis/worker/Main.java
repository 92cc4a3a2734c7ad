package io.cis.worker;

import io.cis.worker.cli.RootCommand;
import io.cis.worker.config.ConfigException;
import java.util.Arrays;
import picocli.CommandLine;

/** Entry point: `cis-worker` runs the daemon; subcommands run one-off jobs. */
public final class Main {

    /** Invalid settings: nothing was started. */
    public static final int EXIT_BAD_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
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

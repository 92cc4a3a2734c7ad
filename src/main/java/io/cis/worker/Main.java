package io.cis.worker;

import io.cis.worker.cli.RootCommand;
import java.util.Arrays;
import picocli.CommandLine;

/** Entry point: `cis-worker` runs the daemon; subcommands run one-off jobs. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int exitCode = new CommandLine(new RootCommand()).execute(normalize(args));
        System.exit(exitCode);
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

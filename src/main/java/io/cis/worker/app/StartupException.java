package io.cis.worker.app;

import java.util.List;

/**
 * Start-up checks that failed: every one of them, so an operator sees all problems in one go, and the exit status
 * that tells a supervisor whether restarting can help.
 */
public final class StartupException extends RuntimeException {

    private final List<String> problems;
    private final boolean misconfigured;

    /** A failure a restart may get past (a service still unreachable when STARTUP_MAX_WAIT_SECONDS ran out, ...). */
    public StartupException(List<String> problems) {
        this(problems, false);
    }

    /**
     * @param misconfigured no restart can fix it (the queue does not exist, a conflicting mapping, the wrong model,
     *                      access still denied): the configuration must change
     */
    public StartupException(List<String> problems, boolean misconfigured) {
        super("cannot start:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
        this.misconfigured = misconfigured;
    }

    public List<String> problems() {
        return problems;
    }

    /** The daemon's exit status: {@link Daemon#EXIT_MISCONFIGURED} or {@link Daemon#EXIT_STARTUP_FAILED}. */
    public int exitStatus() {
        return misconfigured ? Daemon.EXIT_MISCONFIGURED : Daemon.EXIT_STARTUP_FAILED;
    }
}

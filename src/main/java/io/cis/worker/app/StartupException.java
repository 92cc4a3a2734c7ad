package io.cis.worker.app;

import java.util.List;

/** Start-up checks that failed: every one of them, so an operator sees all problems in one go. */
public final class StartupException extends RuntimeException {

    private final List<String> problems;

    public StartupException(List<String> problems) {
        super("cannot start:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

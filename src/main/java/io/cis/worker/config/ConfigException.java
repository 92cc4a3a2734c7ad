package io.cis.worker.config;

import java.util.List;

/** Start-up configuration problems, all of them at once, so an operator fixes the file in one pass. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

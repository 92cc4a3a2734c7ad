package io.cis.worker.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A unit file (systemd/cis-worker.service by default) read as sections of directives (a directive may repeat, e.g. Environment=). */
record SystemdUnit(Map<String, Map<String, List<String>>> sections) {

    static final Path FILE = Path.of("systemd/cis-worker.service");
    static final Path BACKFILL_FILE = Path.of("systemd/cis-worker-backfill@.service");
    static final Path GPU_DROP_IN = Path.of("systemd/gpu.conf");

    static SystemdUnit read() throws IOException {
        return read(FILE);
    }

    static SystemdUnit read(Path file) throws IOException {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (current == null || eq <= 0) {
                throw new IllegalStateException("not a unit file line: " + raw);
            }
            current.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
        }
        return new SystemdUnit(sections);
    }

    /** The single value of a directive, or null. */
    String get(String section, String key) {
        List<String> values = sections.getOrDefault(section, Map.of()).get(key);
        if (values == null) {
            return null;
        }
        if (values.size() != 1) {
            throw new IllegalStateException(key + " is set " + values.size() + " times");
        }
        return values.get(0);
    }

    /** Environment= assignments of [Service], quotes removed: NAME -> value. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String value : sections.getOrDefault("Service", Map.of()).getOrDefault("Environment", List.of())) {
            String unquoted = value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
            int eq = unquoted.indexOf('=');
            env.put(unquoted.substring(0, eq), unquoted.substring(eq + 1));
        }
        return env;
    }
}

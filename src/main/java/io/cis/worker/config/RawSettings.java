package io.cis.worker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Setting values as text, from a KEY=VALUE config file overridden by the environment. The file uses the same
 * syntax as a systemd EnvironmentFile, so one file can serve both.
 */
public final class RawSettings {

    private final Map<String, String> fileValues;
    private final Map<String, String> environment;

    public RawSettings(Map<String, String> fileValues, Map<String, String> environment) {
        this.fileValues = Map.copyOf(fileValues);
        this.environment = Map.copyOf(environment);
    }

    public static RawSettings load(Path configFile, Map<String, String> environment) throws IOException {
        Map<String, String> file = configFile == null ? Map.of() : parseEnvFile(Files.readAllLines(configFile, StandardCharsets.UTF_8));
        return new RawSettings(file, environment);
    }

    /** The value for a setting: environment first, then the file, each under its name and then its old names. */
    public String valueOf(SettingSpec<?> spec) {
        for (Map<String, String> source : List.of(environment, fileValues)) {
            String value = firstPresent(source, spec);
            if (value != null) {
                return value.trim();
            }
        }
        return spec.defaultValue();
    }

    private static String firstPresent(Map<String, String> source, SettingSpec<?> spec) {
        String value = source.get(spec.name());
        if (value != null) {
            return value;
        }
        for (String alias : spec.aliases()) {
            value = source.get(alias);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    static Map<String, String> parseEnvFile(List<String> lines) {
        Map<String, String> values = new HashMap<>();
        for (String rawLine : lines) {
            String line = rawLine.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            values.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
        }
        return values;
    }

    private static String unquote(String value) {
        if (value.length() >= 2) {
            char first = value.charAt(0);
            char last = value.charAt(value.length() - 1);
            if ((first == '"' || first == '\'') && first == last) {
                return value.substring(1, value.length() - 1);
            }
        }
        return value;
    }
}

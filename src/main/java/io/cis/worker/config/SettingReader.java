package io.cis.worker.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Typed access to raw settings that records every problem instead of stopping at the first. */
final class SettingReader {

    private final RawSettings raw;
    private final int availableCores;
    private final List<String> problems = new ArrayList<>();

    SettingReader(RawSettings raw, int availableCores) {
        this.raw = raw;
        this.availableCores = availableCores;
    }

    List<String> problems() {
        return problems;
    }

    String text(SettingSpec spec) {
        return raw.valueOf(spec);
    }

    String required(SettingSpec spec) {
        String value = text(spec);
        if (value.isEmpty()) {
            problems.add(spec.name() + " is required: " + spec.description());
        }
        return value;
    }

    Optional<String> optional(SettingSpec spec) {
        String value = text(spec);
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    long longInRange(SettingSpec spec, long min, long max) {
        String value = text(spec);
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                problems.add(spec.name() + "=" + value + " must be between " + min + " and " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(spec.name() + "=" + value + " is not a whole number");
            return min;
        }
    }

    int intInRange(SettingSpec spec, int min, int max) {
        return (int) longInRange(spec, min, max);
    }

    /** A thread count where "auto" means the cores available to this JVM. */
    int threads(SettingSpec spec, int max) {
        if ("auto".equalsIgnoreCase(text(spec))) {
            return Math.max(1, Math.min(availableCores, max));
        }
        return intInRange(spec, 1, max);
    }

    double doubleInRange(SettingSpec spec, double min, double max) {
        String value = text(spec);
        try {
            double parsed = Double.parseDouble(value);
            if (!(parsed >= min && parsed <= max)) {
                problems.add(spec.name() + "=" + value + " must be between " + min + " and " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(spec.name() + "=" + value + " is not a number");
            return min;
        }
    }

    boolean bool(SettingSpec spec) {
        String value = text(spec).toLowerCase(Locale.ROOT);
        switch (value) {
            case "true", "yes", "1", "on" -> {
                return true;
            }
            case "false", "no", "0", "off" -> {
                return false;
            }
            default -> {
                problems.add(spec.name() + "=" + value + " must be true or false");
                return false;
            }
        }
    }

    <E extends Enum<E>> E choice(SettingSpec spec, Class<E> type) {
        String value = text(spec);
        String normalized = value.toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(normalized)) {
                return constant;
            }
        }
        problems.add(spec.name() + "=" + value + " must be one of " + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
        return type.getEnumConstants()[0];
    }

    List<String> list(SettingSpec spec) {
        return Arrays.stream(text(spec).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    Path path(SettingSpec spec) {
        return Path.of(required(spec));
    }

    URI httpUrl(SettingSpec spec, boolean required) {
        String value = required ? required(spec) : text(spec);
        if (value.isEmpty()) {
            return null;
        }
        try {
            URI uri = URI.create(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                problems.add(spec.name() + "=" + value + " must be an http(s) URL with a host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            problems.add(spec.name() + "=" + value + " is not a valid URL: " + e.getMessage());
            return null;
        }
    }
}

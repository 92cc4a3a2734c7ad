package io.cis.worker.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads settings as their declarations say ({@link #get}), recording every problem instead of stopping at the
 * first. The kind-specific methods are called by the declarations ({@link SettingDeclaration}), not by users.
 */
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

    /** The typed value of a setting; problems with it (an empty required one included) are recorded. */
    <T> T get(SettingSpec<T> spec) {
        return spec.required() ? require(spec) : spec.read(this);
    }

    /** As {@link #get}, and the setting must not be empty even if it may be for other commands. */
    <T> T require(SettingSpec<T> spec) {
        if (text(spec).isEmpty()) {
            problems.add(spec.name() + " is required: " + spec.description());
        }
        return spec.read(this);
    }

    String text(SettingSpec<?> spec) {
        return raw.valueOf(spec);
    }

    Optional<String> optional(SettingSpec<?> spec) {
        String value = text(spec);
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    long wholeNumber(SettingSpec<?> spec, long min, long max) {
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

    /** A thread count where "auto" means the cores available to this JVM. */
    int threads(SettingSpec<?> spec, int max) {
        if ("auto".equalsIgnoreCase(text(spec))) {
            return Math.max(1, Math.min(availableCores, max));
        }
        return (int) wholeNumber(spec, 1, max);
    }

    double decimal(SettingSpec<?> spec, double min, double max) {
        String value = text(spec);
        try {
            double parsed = Double.parseDouble(value);
            if (!(parsed >= min && parsed <= max)) {
                problems.add(spec.name() + "=" + value + " must be between " + SettingDeclaration.number(min)
                        + " and " + SettingDeclaration.number(max));
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(spec.name() + "=" + value + " is not a number");
            return min;
        }
    }

    boolean bool(SettingSpec<?> spec) {
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

    <E extends Enum<E>> E choice(SettingSpec<?> spec, Class<E> type) {
        String value = text(spec);
        String normalized = value.toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(normalized)) {
                return constant;
            }
        }
        problems.add(spec.name() + "=" + value + " must be one of " + choiceNames(type));
        return type.getEnumConstants()[0];
    }

    /** How a choice is written in settings: the constant's name in lower case. */
    static String choiceName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    static List<String> choiceNames(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(SettingReader::choiceName).toList();
    }

    String oneOf(SettingSpec<?> spec, List<String> words, String inWords) {
        String value = text(spec);
        if (!words.contains(value)) {
            problems.add(spec.name() + "=" + value + " must be " + inWords);
        }
        return value;
    }

    String lowerCaseMatching(SettingSpec<?> spec, String regex, String inWords) {
        String value = text(spec).toLowerCase(Locale.ROOT);
        if (!value.matches(regex)) {
            problems.add(spec.name() + "=" + value + " must be " + inWords);
        }
        return value;
    }

    List<String> list(SettingSpec<?> spec) {
        return Arrays.stream(text(spec).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** An http(s) URL with a host, or null when empty. */
    URI httpUrl(SettingSpec<?> spec) {
        String value = text(spec);
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

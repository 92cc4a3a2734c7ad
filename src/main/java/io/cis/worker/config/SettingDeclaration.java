package io.cis.worker.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A setting being declared in {@link Settings}: name, description and old names first, then one kind method that
 * gives the default and the allowed values, completes the {@link SettingSpec} and adds it to the catalogue. A setting
 * thus cannot be declared without being catalogued, and its range is written nowhere else.
 */
final class SettingDeclaration {

    private final String name;
    private final String description;
    private final Consumer<SettingSpec<?>> catalogue;
    private List<String> oldNames = List.of();

    SettingDeclaration(String name, String description, Consumer<SettingSpec<?>> catalogue) {
        this.name = name;
        this.description = description;
        this.catalogue = catalogue;
    }

    /** Names the setting had before, still read when the new name is not set. */
    SettingDeclaration oldNames(String... names) {
        oldNames = List.of(names);
        return this;
    }

    /** Any text, empty included. */
    SettingSpec<String> text(String defaultValue) {
        return declare(defaultValue, "", false, false, (r, s) -> r.text(s));
    }

    /** Any text but the empty one. */
    SettingSpec<String> requiredText(String defaultValue) {
        return declare(defaultValue, "", false, true, (r, s) -> r.text(s));
    }

    /** Text never printed, empty by default. */
    SettingSpec<String> secret() {
        return declare("", "", true, false, (r, s) -> r.text(s));
    }

    /** Text, or nothing when empty. */
    SettingSpec<Optional<String>> optionalText() {
        return declare("", "", false, false, (r, s) -> r.optional(s));
    }

    /** A file or directory that must be named. */
    SettingSpec<Path> path(String defaultValue) {
        return declare(defaultValue, "", false, true, (r, s) -> Path.of(r.text(s)));
    }

    /** A file or directory, or nothing when empty. */
    SettingSpec<Optional<Path>> optionalPath() {
        return declare("", "", false, false, (r, s) -> r.optional(s).map(Path::of));
    }

    /** An http or https URL with a host; null when empty (a command that needs it uses {@link SettingReader#require}). */
    SettingSpec<URI> url() {
        return declare("", "http(s) URL", false, false, (r, s) -> r.httpUrl(s));
    }

    SettingSpec<Integer> integer(int defaultValue, int min, int max) {
        return declare(Integer.toString(defaultValue), min + "-" + max, false, false,
                (r, s) -> (int) r.wholeNumber(s, min, max));
    }

    SettingSpec<Long> wholeNumber(long defaultValue, long min, long max) {
        return declare(Long.toString(defaultValue), min + "-" + max, false, false, (r, s) -> r.wholeNumber(s, min, max));
    }

    /** A whole number of seconds. */
    SettingSpec<Duration> seconds(long defaultValue, long min, long max) {
        return declare(Long.toString(defaultValue), min + "-" + max, false, false,
                (r, s) -> Duration.ofSeconds(r.wholeNumber(s, min, max)));
    }

    /** A whole number of milliseconds. */
    SettingSpec<Duration> millis(long defaultValue, long min, long max) {
        return declare(Long.toString(defaultValue), min + "-" + max, false, false,
                (r, s) -> Duration.ofMillis(r.wholeNumber(s, min, max)));
    }

    SettingSpec<Double> decimal(double defaultValue, double min, double max) {
        return declare(number(defaultValue), number(min) + "-" + number(max), false, false,
                (r, s) -> r.decimal(s, min, max));
    }

    /** A thread count, where auto means the cores available to the JVM (at most max). */
    SettingSpec<Integer> threads(int max) {
        return declare("auto", "auto or 1-" + max, false, false, (r, s) -> r.threads(s, max));
    }

    /** true or false (also yes/no, on/off, 1/0). */
    SettingSpec<Boolean> bool(boolean defaultValue) {
        return declare(Boolean.toString(defaultValue), "true or false", false, false, (r, s) -> r.bool(s));
    }

    /** One of an enum's constants, named in lower case (case and - for _ do not matter). */
    <E extends Enum<E>> SettingSpec<E> choice(E defaultValue) {
        Class<E> type = defaultValue.getDeclaringClass();
        return declare(SettingReader.choiceName(defaultValue), String.join(", ", SettingReader.choiceNames(type)),
                false, false, (r, s) -> r.choice(s, type));
    }

    /** One of a few words, exactly as written. */
    SettingSpec<String> oneOf(String defaultValue, String... values) {
        List<String> words = List.of(values);
        return declare(defaultValue, either(words), false, false, (r, s) -> r.oneOf(s, words, either(words)));
    }

    /** Text matching a pattern, case-insensitively; read in lower case. {@code allowed} says the pattern in words. */
    SettingSpec<String> lowerCaseMatching(String defaultValue, String regex, String allowed) {
        return declare(defaultValue, allowed, false, false, (r, s) -> r.lowerCaseMatching(s, regex, allowed));
    }

    /** Comma-separated words, blanks dropped. */
    SettingSpec<List<String>> list(String defaultValue) {
        return declare(defaultValue, "comma-separated list", false, false, (r, s) -> r.list(s));
    }

    private <T> SettingSpec<T> declare(String defaultValue, String allowed, boolean secret, boolean required,
                                       SettingSpec.Reading<T> reading) {
        SettingSpec<T> spec = new SettingSpec<>(name, oldNames, defaultValue, allowed, description, secret, required, reading);
        catalogue.accept(spec);
        return spec;
    }

    /** A decimal bound or default as written: 0 rather than 0.0. */
    static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    private static String either(List<String> words) {
        return words.size() == 1 ? words.get(0)
                : words.subList(0, words.size() - 1).stream().collect(Collectors.joining(", ")) + " or " + words.get(words.size() - 1);
    }
}

package io.cis.worker.config;

import java.util.List;

/**
 * One setting, declared once in {@link Settings}: its name (the environment variable and config-file key operators
 * use), old names, default, allowed values, description and whether it is a secret, and how its text becomes a
 * typed value. Validation ({@link SettingReader#get}), the typed configuration ({@link WorkerConfig}) and the
 * documents ({@link SettingsDocument}) all read it from here.
 *
 * <p>Aliases are the names the old Python Lambda/worker used, still honoured so existing deployments keep working.
 *
 * @param <T> the type of the value read
 */
public final class SettingSpec<T> {

    /** Turns a setting's text into its value, recording any problem with the reader rather than throwing. */
    @FunctionalInterface
    interface Reading<T> {
        T read(SettingReader reader, SettingSpec<T> spec);
    }

    private final String name;
    private final List<String> aliases;
    private final String defaultValue;
    private final String allowed;
    private final String description;
    private final boolean secret;
    private final boolean required;
    private final Reading<T> reading;

    SettingSpec(String name, List<String> aliases, String defaultValue, String allowed, String description,
                boolean secret, boolean required, Reading<T> reading) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("setting name is required");
        }
        this.name = name;
        this.aliases = List.copyOf(aliases);
        this.defaultValue = defaultValue == null ? "" : defaultValue;
        this.allowed = allowed;
        this.description = description;
        this.secret = secret;
        this.required = required;
        this.reading = reading;
    }

    public String name() {
        return name;
    }

    public List<String> aliases() {
        return aliases;
    }

    /** The default as an operator would write it (empty when there is none). */
    public String defaultValue() {
        return defaultValue;
    }

    /** The values accepted, as the documents show them ("0-20", "none, basic, sigv4"); empty when any text is. */
    public String allowed() {
        return allowed;
    }

    public String description() {
        return description;
    }

    /** Whether the value must never be printed (the start-up summary masks it). */
    public boolean secret() {
        return secret;
    }

    /** Whether an empty value is a problem whatever the command. */
    public boolean required() {
        return required;
    }

    T read(SettingReader reader) {
        return reading.read(reader, this);
    }

    @Override
    public String toString() {
        return name;
    }
}

package io.cis.worker.config;

import java.util.List;

/**
 * One documented setting. The name is the environment variable (and config-file key) operators use;
 * aliases are the names the old Python Lambda/worker used, still honoured so existing deployments keep working.
 */
public record SettingSpec(String name, List<String> aliases, String defaultValue, String description, boolean secret) {

    public SettingSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("setting name is required");
        }
        aliases = List.copyOf(aliases);
        defaultValue = defaultValue == null ? "" : defaultValue;
    }

    static SettingSpec of(String name, String defaultValue, String description) {
        return new SettingSpec(name, List.of(), defaultValue, description, false);
    }

    static SettingSpec secret(String name, String description) {
        return new SettingSpec(name, List.of(), "", description, true);
    }

    SettingSpec alias(String... oldNames) {
        return new SettingSpec(name, List.of(oldNames), defaultValue, description, secret);
    }
}

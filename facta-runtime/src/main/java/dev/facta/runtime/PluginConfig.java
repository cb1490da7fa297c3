package dev.facta.runtime;

import java.util.Map;

/** A plugin's part of the runtime configuration: whether it runs and the settings it is given. */
public record PluginConfig(boolean enabled, Map<String, Object> settings) {
    public static final PluginConfig DEFAULT = new PluginConfig(true, Map.of());

    public PluginConfig {
        settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
    }
}

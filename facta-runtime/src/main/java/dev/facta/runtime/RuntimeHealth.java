package dev.facta.runtime;

import java.util.Map;

/** Up when every enabled plugin runs; the state of each plugin ({@code running}, {@code backoff}, {@code disabled} ...). */
public record RuntimeHealth(boolean up, Map<String, String> plugins) {
    public RuntimeHealth {
        plugins = Map.copyOf(plugins);
    }
}

package dev.facta.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A plugin as the runtime sees it: where it came from ({@code classpath}, a jar path, {@code remote}
 * or {@code embedded}), its state, its services, the backoff delays of its last restarts (newest last)
 * and its last error.
 */
public record PluginInfo(String id, String version, Set<String> dependencies, String source, PluginState state,
                         List<String> services, List<Duration> backoffs, String lastError, PluginStats stats) {
}

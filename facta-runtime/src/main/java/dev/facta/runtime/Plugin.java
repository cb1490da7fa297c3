package dev.facta.runtime;

import java.util.Map;
import java.util.Set;

/**
 * A unit of behaviour the runtime hosts. A plugin knows no other plugin's classes: it talks to the
 * others only through the {@link PluginContext}'s services and events. Plugins are found with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/dev.facta.runtime.Plugin} entry), on the
 * class path or in jars of the plugins folder, and started after the plugins they depend on.
 *
 * <p>{@link #start} may throw: the runtime then stops what the plugin had registered and starts it
 * again later, with exponential backoff. {@link #stop} must release what {@code start} acquired
 * outside the context (threads, sockets); what went through the context is released by the runtime.
 */
public interface Plugin {

    /** A stable name, unique in a runtime: lower case letters, digits, {@code -} and {@code _}. */
    String id();

    default String version() {
        return "0.0.0";
    }

    /** Ids of the plugins that must be running before this one starts. */
    default Set<String> dependencies() {
        return Set.of();
    }

    void start(PluginContext context) throws Exception;

    default void stop() throws Exception {
    }

    /** Asked now and then by the runtime; {@link Health#down} makes it restart the plugin. */
    default Health health() {
        return Health.up();
    }

    /**
     * Told the plugin's new settings after a configuration reload. Returning {@code false} (the
     * default) makes the runtime restart the plugin so that {@link #start} reads them.
     */
    default boolean reconfigure(Map<String, Object> settings) {
        return false;
    }
}

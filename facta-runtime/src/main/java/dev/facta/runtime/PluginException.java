package dev.facta.runtime;

import dev.facta.FactaException;

import java.util.List;

/** A plugin could not be loaded, started, unloaded or found; {@link #reason()} says why. */
public class PluginException extends FactaException {

    public enum Reason {
        /** No plugin has that id. */
        NOT_FOUND,
        /** A plugin with that id is already loaded. */
        DUPLICATE,
        /** A plugin depends on one that is not loaded. */
        MISSING_DEPENDENCY,
        /** Plugins depend on each other in a cycle; {@link #plugins()} lists it. */
        DEPENDENCY_CYCLE,
        /** The plugin is needed by running plugins, which must be unloaded first. */
        IN_USE,
        /** A jar could not be read or holds no plugin. */
        BAD_JAR,
        /** The plugin's id is not a valid id. */
        BAD_ID
    }

    private final Reason reason;
    private final List<String> plugins;

    public PluginException(Reason reason, List<String> plugins, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.plugins = List.copyOf(plugins);
    }

    public PluginException(Reason reason, List<String> plugins, String message) {
        this(reason, plugins, message, null);
    }

    public Reason reason() {
        return reason;
    }

    /** The plugins concerned: the one not found, the missing dependency and its dependent, the cycle in order. */
    public List<String> plugins() {
        return plugins;
    }
}

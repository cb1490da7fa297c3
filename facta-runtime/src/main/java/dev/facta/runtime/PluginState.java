package dev.facta.runtime;

/** Where a plugin is in its life. */
public enum PluginState {
    /** Known to the runtime, not started yet (or disabled by configuration). */
    LOADED,
    STARTING,
    RUNNING,
    /** Failed; it will be started again after its backoff delay. */
    BACKOFF,
    /** Stopped by an operator or the runtime's shutdown. */
    STOPPED
}

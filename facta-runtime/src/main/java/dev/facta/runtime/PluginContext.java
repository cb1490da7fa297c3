package dev.facta.runtime;

import dev.facta.runtime.state.StateEngine;
import dev.facta.runtime.storage.Storage;

import java.util.Map;

/**
 * What a running plugin may use: everything it registers or subscribes through this context is
 * removed by the runtime when the plugin stops, fails or is unloaded.
 */
public interface PluginContext {

    String pluginId();

    /** The plugin's settings from the runtime configuration ({@code plugins.<id>.settings}); empty when none. */
    Map<String, Object> settings();

    Services services();

    Events events();

    /** Key-value storage in the plugin's own namespace. */
    Storage storage();

    /** Entity state of this plugin, restored from storage; changes are published as {@code <id>.state_changed}. */
    StateEngine state();

    System.Logger logger();

    /**
     * Tells the runtime that the plugin no longer works (e.g. a background thread died): it is
     * stopped and started again after its backoff delay.
     */
    void fail(Throwable reason);
}

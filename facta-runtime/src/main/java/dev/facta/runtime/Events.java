package dev.facta.runtime;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A plugin's view of the event bus. Subscriptions belong to the plugin and end when it stops.
 * Patterns are a topic ({@code devices.state_changed}), a prefix ending in {@code .*}
 * ({@code devices.*}), or {@code *} for every topic.
 */
public interface Events {

    /** Publishes an event with this plugin as its source and returns it. */
    PluginEvent publish(String topic, Map<String, Object> data);

    /**
     * Delivers matching events to the handler on its own virtual thread, in publication order. A
     * handler that throws is counted as the plugin's error; failing repeatedly gets the plugin restarted.
     */
    Subscription subscribe(String pattern, Consumer<PluginEvent> handler);

    /** Ends one subscription before the plugin stops. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}

package dev.facta.runtime;

import dev.facta.InvalidInputException;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An event plugins exchange on the runtime's event bus: a dotted topic ({@code devices.state_changed}),
 * the plugin that published it, and data made of JSON-like values (maps, lists, strings, numbers,
 * booleans, null) so that plugins in other class loaders or processes can read it.
 */
public record PluginEvent(UUID id, String topic, String source, Instant at, Map<String, Object> data) {
    private static final Pattern TOPIC = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");

    public PluginEvent {
        checkTopic(topic);
        if (id == null) throw new InvalidInputException("id", "event id must not be null");
        if (source == null) source = "";
        if (at == null) at = Instant.now();
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }

    static void checkTopic(String topic) {
        if (topic == null || topic.length() > 200 || !TOPIC.matcher(topic).matches()) {
            throw new InvalidInputException("topic", "topic must be dot-separated words of [a-z0-9_-], at most 200 characters: " + topic);
        }
    }

    /** A data value as a string, or null. */
    public String string(String key) {
        Object v = data.get(key);
        return v == null ? null : v.toString();
    }
}

package dev.facta.server;

import dev.facta.store.RecordedEvent;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An event as the HTTP API shows it: {@code {"id","stream","version","position","type","data",
 * "metadata","recordedAt"}}, with {@code data} the event's JSON as stored (a JSON value, not a
 * string), {@code metadata} a flat object of strings and {@code recordedAt} an ISO-8601 instant.
 * Every route that returns events (streams, the global log, subscriptions, the admin UI) writes them
 * with this class, so they look the same everywhere.
 */
public final class EventJson {
    private EventJson() {
    }

    /** Writes one event as a JSON object. The stores keep only valid JSON data, so it is copied as is. */
    public static void write(JsonGenerator g, RecordedEvent e) {
        g.writeStartObject();
        g.writeStringProperty("id", e.id().toString());
        g.writeStringProperty("stream", e.stream().value());
        g.writeNumberProperty("version", e.version());
        g.writeNumberProperty("position", e.position());
        g.writeStringProperty("type", e.type());
        g.writeName("data");
        g.writeRawValue(e.dataAsString());
        g.writeName("metadata");
        g.writeStartObject();
        for (Map.Entry<String, String> m : e.metadata().asMap().entrySet()) {
            g.writeStringProperty(m.getKey(), m.getValue());
        }
        g.writeEndObject();
        g.writeStringProperty("recordedAt", e.recordedAt().toString());
        g.writeEndObject();
    }

    /** One event as compact JSON text. */
    public static String toJson(JsonMapper mapper, RecordedEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + e.data().length);
        try (JsonGenerator g = mapper.createGenerator(out)) {
            write(g, e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

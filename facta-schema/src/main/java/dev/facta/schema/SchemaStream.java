package dev.facta.schema;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A registry's schemas kept in the event store itself, so every instance of an application (and
 * the server) sees the same schemas: one {@value #EVENT_TYPE} event per type and version in the
 * stream {@link #STREAM}.
 *
 * <p>The stream only grows: {@link #save} appends the versions it does not hold yet, and
 * refuses a version it holds with a different schema, because events already validated against
 * it would silently change meaning. Concurrent savers are safe: each append names the stream
 * version it read, and a saver that loses the race reads again and appends what is still missing.
 */
public final class SchemaStream {

    /** The stream that holds the schemas. */
    public static final StreamId STREAM = StreamId.of("facta.schemas");

    /** The event type of one registered schema version. */
    public static final String EVENT_TYPE = "SchemaRegistered";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int ATTEMPTS = 5;

    private SchemaStream() {
    }

    /**
     * Appends every schema of {@code registry} that the store does not hold yet.
     *
     * @return the schemas appended, empty when the store had them all
     * @throws InvalidInputException when the store holds one of the versions with another schema;
     *                               nothing is appended then
     */
    public static List<EventSchema> save(EventStore store, SchemaRegistry registry) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(registry, "registry");
        for (int attempt = 1; ; attempt++) {
            Stored stored = read(store);
            List<EventSchema> missing = new ArrayList<>();
            for (String type : registry.eventTypes()) {
                for (int v : registry.versions(type)) {
                    EventSchema mine = registry.schema(type, v).orElseThrow();
                    EventSchema theirs = stored.schemas.get(key(type, v));
                    if (theirs == null) {
                        missing.add(mine);
                    } else if (!theirs.schemaNode().equals(mine.schemaNode())
                            || !theirs.upcaster().equals(mine.upcaster())) {
                        throw new InvalidInputException(STREAM.value(), "the store already holds a different schema"
                                + " for event type '" + type + "' version " + v + " (from " + theirs.source()
                                + "); register the change as a new version");
                    }
                }
            }
            if (missing.isEmpty()) {
                return List.of();
            }
            List<EventData> events = new ArrayList<>();
            for (EventSchema s : missing) {
                events.add(EventData.of(EVENT_TYPE, JSON.writeValueAsString(toJson(s))));
            }
            try {
                store.append(STREAM, stored.version < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(stored.version),
                        events);
                return List.copyOf(missing);
            } catch (WrongExpectedVersionException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                // another instance saved schemas meanwhile: read them and compare again
            }
        }
    }

    /**
     * Registers every schema the store holds in {@code registry}.
     *
     * @return the schemas read, in the order they were saved
     * @throws InvalidInputException when a stored schema conflicts with one already in the registry
     *                               or a stored event is malformed
     */
    public static List<EventSchema> load(EventStore store, SchemaRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        List<EventSchema> schemas = List.copyOf(read(store).schemas.values());
        for (EventSchema s : schemas) {
            try {
                registry.register(s);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(STREAM.value(), e.getMessage());
            }
        }
        return schemas;
    }

    private record Stored(Map<String, EventSchema> schemas, long version) {
    }

    private static Stored read(EventStore store) {
        Map<String, EventSchema> schemas = new LinkedHashMap<>();
        long version = -1;
        List<RecordedEvent> events;
        try {
            events = store.readStream(STREAM);
        } catch (StreamNotFoundException e) {
            return new Stored(schemas, version);
        }
        for (RecordedEvent e : events) {
            version = e.version();
            if (!EVENT_TYPE.equals(e.type())) {
                continue;
            }
            EventSchema s = fromJson(e);
            schemas.putIfAbsent(key(s.eventType(), s.version()), s);
        }
        return new Stored(schemas, version);
    }

    private static ObjectNode toJson(EventSchema s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("eventType", s.eventType());
        n.put("version", s.version());
        n.set("schema", s.schemaNode());
        s.upcaster().ifPresent(u -> n.put("upcaster", u));
        n.put("source", s.source());
        return n;
    }

    private static EventSchema fromJson(RecordedEvent e) {
        String where = STREAM.value() + " version " + e.version();
        try {
            JsonNode n = JSON.readTree(new String(e.data(), StandardCharsets.UTF_8));
            JsonNode schema = n.get("schema");
            if (!n.path("eventType").isString() || !n.path("version").isInt() || schema == null || !schema.isObject()) {
                throw new InvalidInputException(where, where + " is not a schema registration: it needs eventType,"
                        + " version and schema");
            }
            Optional<String> upcaster = n.path("upcaster").isString()
                    ? Optional.of(n.get("upcaster").asString()) : Optional.empty();
            String source = n.path("source").isString() ? n.get("source").asString() : where;
            return new EventSchema(n.get("eventType").asString(), n.get("version").asInt(), (ObjectNode) schema,
                    upcaster, source);
        } catch (JacksonException ex) {
            throw new InvalidInputException(where, where + " is not valid JSON: " + ex.getOriginalMessage());
        }
    }

    private static String key(String type, int version) {
        return type + "\u0000" + version;
    }
}

package dev.facta.schema;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;

/**
 * One version of one event type's schema.
 *
 * @param eventType the stored event type name
 * @param version   1, 2, ...; version N is the data of events stamped with revision N
 *                  ({@link dev.facta.upcasting.Revisions})
 * @param schema    the JSON Schema (a copy is handed out on every call, so the registry's stays as registered)
 * @param upcaster  the class name of the upcaster declared to turn version N-1 into this one
 *                  ({@value #UPCASTER_KEY} in the schema), if any
 * @param source    where the schema came from: a file path or {@code class <name>}
 */
public record EventSchema(String eventType, int version, ObjectNode schema, Optional<String> upcaster, String source) {

    /** The schema keyword that declares the upcaster from the previous version. */
    public static final String UPCASTER_KEY = "x-facta-upcaster";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public EventSchema {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(upcaster, "upcaster");
        Objects.requireNonNull(source, "source");
        schema = canonical(Objects.requireNonNull(schema, "schema"));
    }

    /**
     * A private copy with numbers as a parser reads them (an {@code int}-sized long becomes an
     * int node), so two schemas that print alike are equal however they were built.
     */
    private static ObjectNode canonical(ObjectNode schema) {
        return (ObjectNode) JSON.readTree(JSON.writeValueAsString(schema));
    }

    @Override
    public ObjectNode schema() {
        return schema.deepCopy();
    }

    /** The schema without copying it; package-private because callers must not change it. */
    ObjectNode schemaNode() {
        return schema;
    }
}

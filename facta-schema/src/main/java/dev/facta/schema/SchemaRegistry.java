package dev.facta.schema;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import dev.facta.InvalidInputException;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.upcasting.Upcaster;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The versioned JSON Schemas of event types, and validation of event data against them.
 *
 * <p>Every event type has schema versions 1, 2, ...; version N describes the data of events
 * stamped with revision N ({@link dev.facta.upcasting.Revisions}). Schemas are registered from
 * records ({@link #register(Class, int)}, derived by {@link JsonSchemas#of}), as JSON
 * ({@link #register(String, int, JsonNode)}), or from a directory ({@link SchemaDirectory}).
 * Upcasters registered with {@link #upcaster(Upcaster)} cover the breaking changes between a
 * version and the next in {@link #check(String)}.
 *
 * <p>{@link #validate(String, JsonNode)} checks data against the latest version of its type.
 * A type without any schema passes, unless the registry was made with
 * {@link #requiringSchemas()}. Every registered schema is itself checked against the draft
 * 2020-12 meta-schema first, so a broken schema is refused at registration, not at the first
 * append. Formats ({@code uuid}, {@code date-time}, {@code date}, ...) are asserted.
 *
 * <p>Thread-safe: registration copies on write, so validation never waits and always sees a
 * whole registration.
 */
public final class SchemaRegistry {

    private record Entry(EventSchema schema, Schema compiled) {
    }

    private final boolean requireSchemas;
    private final com.networknt.schema.SchemaRegistry compiler;
    private final Schema metaSchema;
    private volatile Map<String, NavigableMap<Integer, Entry>> types = Map.of();
    private volatile Map<String, Map<Integer, Upcaster>> upcasters = Map.of();

    private SchemaRegistry(boolean requireSchemas) {
        this.requireSchemas = requireSchemas;
        this.compiler = SchemaValidator.newCompiler();
        this.metaSchema = compiler.getSchema(SchemaLocation.of(JsonSchemas.DRAFT_2020_12));
    }

    /** An empty registry in which event types without a schema pass validation. */
    public static SchemaRegistry create() {
        return new SchemaRegistry(false);
    }

    /** An empty registry in which an event type without a schema fails validation. */
    public static SchemaRegistry requiringSchemas() {
        return new SchemaRegistry(true);
    }

    /** Whether event types without a schema fail validation. */
    public boolean requiresSchemas() {
        return requireSchemas;
    }

    /**
     * Registers the schema derived from {@code record} as {@code version} of the event type named
     * by the record's simple name, the name {@code EventTypeRegistry.Builder.registerSealed} gives it.
     */
    public SchemaRegistry register(Class<?> record, int version) {
        Objects.requireNonNull(record, "record");
        return register(record.getSimpleName(), record, version);
    }

    /**
     * Registers the schema derived from {@code record} as {@code version} of the event type the
     * serializer's {@code types} registry names it with.
     *
     * @throws IllegalArgumentException when {@code types} has no name for {@code record}
     */
    public SchemaRegistry register(EventTypeRegistry types, Class<?> record, int version) {
        Objects.requireNonNull(types, "types");
        String name = types.nameOf(record).orElseThrow(() -> new IllegalArgumentException(record.getName()
                + " has no event type name in " + types + "; register it there first"));
        return register(name, record, version);
    }

    /** Registers the schema derived from {@code record} as {@code version} of {@code eventType}. */
    public SchemaRegistry register(String eventType, Class<?> record, int version) {
        Objects.requireNonNull(record, "record");
        return register(new EventSchema(eventType, version, JsonSchemas.of(record), Optional.empty(),
                "class " + record.getName()));
    }

    /**
     * Registers {@code record}'s schema as {@code version} of its event type (its simple name),
     * with the upcaster that turns the previous version into it.
     */
    public SchemaRegistry register(Class<?> record, int version, Upcaster fromPrevious) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(fromPrevious, "fromPrevious");
        if (!record.getSimpleName().equals(fromPrevious.eventType()) || fromPrevious.fromRevision() != version - 1) {
            throw new IllegalArgumentException("upcaster " + fromPrevious.getClass().getName() + " reads '"
                    + fromPrevious.eventType() + "' revision " + fromPrevious.fromRevision() + ", so it cannot turn '"
                    + record.getSimpleName() + "' version " + (version - 1) + " into version " + version);
        }
        register(record, version);
        return upcaster(fromPrevious);
    }

    /** Registers a JSON Schema as {@code version} of {@code eventType}. */
    public SchemaRegistry register(String eventType, int version, JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            throw new IllegalArgumentException("the schema of event type '" + eventType + "' version " + version
                    + " must be a JSON object");
        }
        JsonNode declared = schema.get(EventSchema.UPCASTER_KEY);
        Optional<String> upcaster = declared != null && declared.isString() && !declared.asString().isBlank()
                ? Optional.of(declared.asString().trim()) : Optional.empty();
        return register(new EventSchema(eventType, version, (ObjectNode) schema, upcaster, "code"));
    }

    /**
     * Registers one schema version. Registering the same type and version again with an equal
     * schema does nothing; with a different one it is refused, because events already validated
     * against the first would silently change meaning.
     *
     * @throws IllegalArgumentException for a bad type name, a version below 1, a schema that is
     *                                  not valid JSON Schema 2020-12, or a conflicting registration
     */
    public synchronized SchemaRegistry register(EventSchema schema) {
        Objects.requireNonNull(schema, "schema");
        String type = schema.eventType();
        checkTypeName(type);
        if (schema.version() < 1) {
            throw new IllegalArgumentException("schema versions start at 1; got " + schema.version()
                    + " for event type '" + type + "'");
        }
        Entry existing = Optional.ofNullable(types.get(type)).map(m -> m.get(schema.version())).orElse(null);
        if (existing != null) {
            if (existing.schema().schemaNode().equals(schema.schemaNode())) {
                return this;
            }
            throw new IllegalArgumentException("event type '" + type + "' already has a different schema version "
                    + schema.version() + " (from " + existing.schema().source() + "); register the change as version "
                    + (types.get(type).lastKey() + 1));
        }
        Schema compiled = compile(schema);
        Map<String, NavigableMap<Integer, Entry>> next = new LinkedHashMap<>(types);
        NavigableMap<Integer, Entry> versions = new TreeMap<>(next.getOrDefault(type, new TreeMap<>()));
        versions.put(schema.version(), new Entry(schema, compiled));
        next.put(type, Collections.unmodifiableNavigableMap(versions));
        types = Collections.unmodifiableMap(next);
        return this;
    }

    /**
     * Registers an upcaster: it covers the changes from version {@code fromRevision()} of
     * {@code eventType()} to the next version in {@link #check}.
     */
    public synchronized SchemaRegistry upcaster(Upcaster upcaster) {
        Objects.requireNonNull(upcaster, "upcaster");
        String type = upcaster.eventType();
        checkTypeName(type);
        if (upcaster.fromRevision() < 1) {
            throw new IllegalArgumentException("upcaster " + upcaster.getClass().getName() + " reads revision "
                    + upcaster.fromRevision() + "; revisions start at 1");
        }
        Map<String, Map<Integer, Upcaster>> next = new LinkedHashMap<>(upcasters);
        Map<Integer, Upcaster> byRevision = new TreeMap<>(next.getOrDefault(type, Map.of()));
        byRevision.put(upcaster.fromRevision(), upcaster);
        next.put(type, Collections.unmodifiableMap(byRevision));
        upcasters = Collections.unmodifiableMap(next);
        return this;
    }

    /** Every event type with at least one schema, sorted. */
    public Set<String> eventTypes() {
        return Collections.unmodifiableSet(new TreeSet<>(types.keySet()));
    }

    /** The versions of {@code eventType}, ascending; empty when it has none. */
    public List<Integer> versions(String eventType) {
        NavigableMap<Integer, Entry> v = types.get(eventType);
        return v == null ? List.of() : List.copyOf(v.keySet());
    }

    /** One version of {@code eventType}'s schema. */
    public Optional<EventSchema> schema(String eventType, int version) {
        NavigableMap<Integer, Entry> v = types.get(eventType);
        return v == null ? Optional.empty() : Optional.ofNullable(v.get(version)).map(Entry::schema);
    }

    /** The highest version of {@code eventType}'s schema. */
    public Optional<EventSchema> latest(String eventType) {
        NavigableMap<Integer, Entry> v = types.get(eventType);
        return v == null ? Optional.empty() : Optional.of(v.lastEntry().getValue().schema());
    }

    /** The upcaster registered in code for {@code eventType} at {@code fromRevision}. */
    public Optional<Upcaster> upcaster(String eventType, int fromRevision) {
        return Optional.ofNullable(upcasters.getOrDefault(eventType, Map.of()).get(fromRevision));
    }

    /**
     * Checks {@code data} against the latest schema of {@code eventType}.
     *
     * @throws SchemaViolationException when the data does not match (naming every failing field),
     *                                  or the type has no schema and the registry requires one
     */
    public void validate(String eventType, JsonNode data) {
        NavigableMap<Integer, Entry> v = types.get(eventType);
        if (v == null) {
            missing(eventType);
            return;
        }
        check(v.lastEntry().getValue(), data);
    }

    /**
     * Checks {@code data} against one version of {@code eventType}'s schema.
     *
     * @throws SchemaViolationException when the data does not match, or the type has no schema
     *                                  and the registry requires one
     * @throws InvalidInputException    when the type has schemas but not this version
     */
    public void validate(String eventType, int version, JsonNode data) {
        NavigableMap<Integer, Entry> v = types.get(eventType);
        if (v == null) {
            missing(eventType);
            return;
        }
        Entry e = v.get(version);
        if (e == null) {
            throw new InvalidInputException("metadata." + dev.facta.upcasting.Revisions.KEY, "event type '"
                    + eventType + "' has no schema version " + version + "; its versions are "
                    + v.keySet().stream().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        check(e, data);
    }

    /** Whether {@code eventType} has a schema at all. */
    public boolean has(String eventType) {
        return types.containsKey(eventType);
    }

    /** The compatibility of each version of {@code eventType} with the one before it. */
    public CompatibilityReport check(String eventType) {
        return Compatibility.check(this, eventType);
    }

    /** The compatibility reports of every type, sorted by type. */
    public List<CompatibilityReport> checkAll() {
        List<CompatibilityReport> reports = new ArrayList<>();
        for (String type : eventTypes()) {
            reports.add(check(type));
        }
        return reports;
    }

    private void missing(String eventType) {
        if (requireSchemas) {
            String known = types.isEmpty() ? "none" : String.join(", ", eventTypes());
            throw new SchemaViolationException(eventType, 0,
                    List.of(new SchemaViolationException.Violation("", "no schema is registered for event type '"
                            + eventType + "'")),
                    "event type '" + eventType + "' has no schema, and this registry requires one; types with"
                            + " schemas: " + known);
        }
    }

    private static void check(Entry e, JsonNode data) {
        EventSchema s = e.schema();
        if (data == null) {
            throw new SchemaViolationException(s.eventType(), s.version(),
                    List.of(new SchemaViolationException.Violation("", "data is missing")),
                    "data of event type '" + s.eventType() + "' is missing");
        }
        List<Error> errors = e.compiled().validate(data);
        if (errors.isEmpty()) {
            return;
        }
        List<SchemaViolationException.Violation> violations = new ArrayList<>();
        for (Error err : errors) {
            violations.add(SchemaValidator.violation(err));
        }
        SchemaViolationException.Violation first = violations.getFirst();
        StringBuilder msg = new StringBuilder("data of event type '").append(s.eventType())
                .append("' does not match its schema version ").append(s.version()).append(": ")
                .append(first.field().isEmpty() ? "the data" : "field " + first.field()).append(": ")
                .append(first.problem());
        if (violations.size() > 1) {
            msg.append(" (and ").append(violations.size() - 1).append(" more: ")
                    .append(violations.stream().skip(1).limit(5).map(Object::toString).collect(Collectors.joining("; ")))
                    .append(violations.size() > 6 ? "; ..." : "").append(')');
        }
        throw new SchemaViolationException(s.eventType(), s.version(), violations, msg.toString());
    }

    private Schema compile(EventSchema s) {
        String where = "the schema of event type '" + s.eventType() + "' version " + s.version() + " (" + s.source() + ")";
        List<Error> metaErrors = metaSchema.validate(s.schemaNode());
        if (!metaErrors.isEmpty()) {
            throw new IllegalArgumentException(where + " is not valid JSON Schema 2020-12: "
                    + metaErrors.stream().map(Error::toString).limit(5).collect(Collectors.joining("; ")));
        }
        String outside = outsideReference(s.schemaNode());
        if (outside != null) {
            throw new IllegalArgumentException(where + " refers outside itself ($ref " + outside + "); schemas must be"
                    + " self-contained, with shared parts in $defs and references of the form #/$defs/Name");
        }
        try {
            Schema compiled = compiler.getSchema(s.schemaNode());
            compiled.initializeValidators();
            return compiled;
        } catch (SchemaException e) {
            throw new IllegalArgumentException(where + " cannot be used: " + e.getMessage(), e);
        }
    }

    /** The first {@code $ref} or {@code $dynamicRef} that does not point inside the document, or null. */
    private static String outsideReference(JsonNode node) {
        if (node.isObject()) {
            for (String key : List.of("$ref", "$dynamicRef")) {
                JsonNode ref = node.get(key);
                if (ref != null && ref.isString() && !ref.asString().startsWith("#")) {
                    return ref.asString();
                }
            }
        }
        if (node.isContainer()) {
            for (JsonNode child : node) {
                String found = outsideReference(child);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static void checkTypeName(String type) {
        try {
            dev.facta.internal.AppendValidation.checkType(type, "type");
        } catch (InvalidInputException e) {
            throw new IllegalArgumentException("'" + type + "' is not an event type name: " + e.getMessage(), e);
        }
    }
}

package dev.facta.jackson;

import dev.facta.InvalidInputException;
import dev.facta.serialization.EventSerializer;
import dev.facta.serialization.SerializedEvent;
import dev.facta.serialization.UnknownEventTypeException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The default {@link EventSerializer}: event objects to UTF-8 JSON with Jackson 3, classes
 * chosen only through an {@link EventTypeRegistry}.
 *
 * <p>Invariants: the stored type name alone picks the class to read into, and only registered
 * concrete classes are ever instantiated; a mapper with polymorphic default typing is refused,
 * because it would let stored data name arbitrary classes. Every failure is a Facta error:
 * {@link UnknownEventTypeException} for a name or class without a mapping,
 * {@link InvalidInputException} (its field the JSON path, e.g. {@code data.items[2].sku}) for
 * data that does not fit the class.
 *
 * <p>Reading is a tolerant reader, the usual event-sourcing choice: properties the class does
 * not know are ignored, so events written by a newer version of a class (an added field) or
 * before a field was removed still load. A missing or null value for a primitive component
 * fails instead of silently becoming 0 (use a wrapper type or an upcaster for fields added
 * later), and a fractional number is never truncated into an integer field. Times are written
 * as ISO-8601 strings ({@code java.time} support is built into Jackson 3).
 */
public final class JacksonEventSerializer implements EventSerializer {

    private final EventTypeRegistry registry;
    private final JsonMapper mapper;

    public JacksonEventSerializer(EventTypeRegistry registry) {
        this(registry, defaultMapperBuilder().build());
    }

    /** With a mapper of your own; start from {@link #defaultMapperBuilder()} to keep Facta's reading rules. */
    public JacksonEventSerializer(EventTypeRegistry registry, JsonMapper mapper) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        if (mapper.deserializationConfig().getDefaultTyper(mapper.constructType(Object.class)) != null
                || mapper.serializationConfig().getDefaultTyper(mapper.constructType(Object.class)) != null) {
            throw new IllegalArgumentException("the mapper has polymorphic default typing enabled; Facta picks event"
                    + " classes only through the EventTypeRegistry, so build the mapper without activateDefaultTyping");
        }
    }

    /** Facta's mapper settings, to add modules or settings of your own on top. */
    public static JsonMapper.Builder defaultMapperBuilder() {
        return JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    public EventTypeRegistry registry() {
        return registry;
    }

    public JsonMapper mapper() {
        return mapper;
    }

    @Override
    public SerializedEvent serialize(Object event) {
        if (event == null) {
            throw new InvalidInputException("event", "cannot serialize a null event");
        }
        Class<?> type = event.getClass();
        String name = registry.nameOf(type).orElseThrow(() -> new UnknownEventTypeException(type.getName(),
                "no event type is registered for class " + type.getName() + "; register it with"
                        + " EventTypeRegistry.builder().register(\"" + type.getSimpleName() + "\", "
                        + type.getSimpleName() + ".class), or registerSealed(...) on its sealed parent"));
        try {
            return new SerializedEvent(name, mapper.writeValueAsBytes(event));
        } catch (JacksonException e) {
            throw new InvalidInputException(field(e), "cannot write event type '" + name + "' ("
                    + type.getName() + ") as JSON at " + field(e) + ": " + e.getOriginalMessage());
        }
    }

    @Override
    public Object deserialize(String type, byte[] data) {
        return read(type, data, classFor(type));
    }

    @Override
    public <T> T deserialize(String type, byte[] data, Class<T> expected) {
        Objects.requireNonNull(expected, "expected");
        Class<?> cls = classFor(type);
        if (!expected.isAssignableFrom(cls)) {
            throw new InvalidInputException("type", "event type '" + type + "' is registered for " + cls.getName()
                    + ", which is not a " + expected.getName());
        }
        return expected.cast(read(type, data, cls));
    }

    private Class<?> classFor(String type) {
        if (type == null || type.isEmpty()) {
            throw new InvalidInputException("type", "event type is missing");
        }
        return registry.classOf(type).orElseThrow(() -> new UnknownEventTypeException(type,
                "unknown event type '" + type + "'; known types: "
                        + (registry.isEmpty() ? "none" : registry.names().stream().sorted().collect(Collectors.joining(", ")))
                        + ". Register it with EventTypeRegistry.builder().register(\"" + type + "\", YourEvent.class)"
                        + " or registerSealed(...) on its sealed parent"));
    }

    private Object read(String type, byte[] data, Class<?> cls) {
        if (data == null) {
            throw new InvalidInputException("data", "data of event type '" + type + "' is missing");
        }
        Object value;
        try {
            value = mapper.readValue(data, cls);
        } catch (StreamReadException e) {
            // Broken JSON has no property path; the position in the text is what helps.
            var where = e.getLocation();
            long offset = where == null ? -1 : Math.max(where.getByteOffset(), where.getCharOffset());
            String at = offset < 0 ? "" : " at offset " + offset;
            throw new InvalidInputException("data", "data of event type '" + type + "' is not valid JSON" + at + ": "
                    + e.getOriginalMessage());
        } catch (JacksonException e) {
            String f = field(e);
            throw new InvalidInputException(f, "data of event type '" + type + "' does not fit " + cls.getName()
                    + " at " + f + ": " + e.getOriginalMessage());
        }
        if (value == null) {
            throw new InvalidInputException("data", "data of event type '" + type + "' is JSON null");
        }
        return value;
    }

    /** The JSON path of a Jackson error as a Facta field name: {@code data.items[2].sku}. */
    static String field(JacksonException e) {
        StringBuilder sb = new StringBuilder("data");
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                sb.append('.').append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}

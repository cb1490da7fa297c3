package dev.facta.schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * JSON Schemas (draft 2020-12) derived from Java types, matching what Facta's Jackson serializer
 * ({@code dev.facta.jackson.JacksonEventSerializer}) writes for them, so that a serialized event
 * validates against the schema of its class.
 *
 * <p>Mapping: a record is an object whose properties are its components (named as Jackson names
 * them: {@code @JsonProperty} renames, {@code @JsonIgnore} drops), closed with
 * {@code "additionalProperties": false}; every component is required except {@link Optional}
 * ones ({@code OptionalInt} and friends too) and those annotated with any annotation named
 * {@code Nullable} (JSpecify, Jakarta, JetBrains, ...), which also accept JSON {@code null}.
 * Enums list their constant names; {@code String} is a string, {@code char} a one-character
 * string; {@code boolean} a boolean; {@code byte}, {@code short}, {@code int}, {@code long} and
 * their boxes integers bounded to the Java range; {@code float}, {@code double} and
 * {@link BigDecimal} numbers, {@link BigInteger} an unbounded integer; {@link UUID},
 * {@link Instant}, {@link OffsetDateTime}, {@link ZonedDateTime} and {@link LocalDate} strings
 * with the formats {@code uuid}, {@code date-time} and {@code date} ({@code java.util.Date} too);
 * {@link LocalDateTime}, {@link LocalTime}, {@link OffsetTime}, {@link Duration}, {@link Period},
 * {@link YearMonth}, {@link MonthDay}, {@link ZoneId}, {@link Locale}, {@link Currency}, {@link URI}
 * and {@link URL} plain strings; {@link Year} an integer and {@link Month} an integer from 1 to 12,
 * as Jackson writes them; {@code byte[]} a base64 string; other arrays,
 * lists, sets and collections arrays of their items; {@code Map<K, V>} an object whose
 * {@code additionalProperties} are the schema of V; {@code Object} and {@link JsonNode} any value.
 * Nested records go to {@code $defs} (named by simple class name) and are referenced with
 * {@code $ref}, so recursive types are fine; a reference back to the root type is {@code "#"}.
 *
 * <p>Interfaces, abstract classes and other classes are refused with
 * {@link IllegalArgumentException} naming the component: the serializer has no type information
 * to read them back, so no schema can promise that their data loads.
 */
public final class JsonSchemas {

    /** The draft every derived schema declares in {@code $schema}. */
    public static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonSchemas() {
    }

    /**
     * The JSON Schema of {@code type}: for a record, an object schema with its nested records in
     * {@code $defs}; for any other supported type, the schema of that value.
     *
     * @throws IllegalArgumentException for a type (or component type) the serializer cannot
     *                                  round-trip, naming where it was found
     */
    public static ObjectNode of(Class<?> type) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        Deriver d = new Deriver(type);
        ObjectNode root = NODES.objectNode();
        root.put("$schema", DRAFT_2020_12);
        root.put("title", type.getSimpleName());
        if (type.isRecord()) {
            root.setAll(d.recordBody(type, type.getSimpleName()));
        } else {
            root.setAll(d.schema(type, type.getSimpleName()));
        }
        if (!d.defs.isEmpty()) {
            ObjectNode defs = root.putObject("$defs");
            d.defs.forEach(defs::set);
        }
        return root;
    }

    /** Walks one root type; collects the {@code $defs} of the records it meets. */
    private static final class Deriver {
        private final Class<?> root;
        /** def name by record class; a class is entered before its body is built, so cycles end. */
        private final Map<Class<?>, String> names = new LinkedHashMap<>();
        private final Map<String, ObjectNode> defs = new LinkedHashMap<>();

        Deriver(Class<?> root) {
            this.root = root;
        }

        ObjectNode recordBody(Class<?> record, String where) {
            ObjectNode s = NODES.objectNode();
            s.put("type", "object");
            ObjectNode props = s.putObject("properties");
            ArrayNode required = NODES.arrayNode();
            for (RecordComponent c : record.getRecordComponents()) {
                if (c.isAnnotationPresent(JsonIgnore.class) && c.getAnnotation(JsonIgnore.class).value()) {
                    continue;
                }
                if (c.getAccessor().isAnnotationPresent(JsonIgnore.class)
                        && c.getAccessor().getAnnotation(JsonIgnore.class).value()) {
                    continue;
                }
                String name = propertyName(c);
                String at = where + "." + c.getName();
                Type t = c.getGenericType();
                boolean optional = isOptional(t);
                boolean nullable = optional || hasNullable(c) || hasNullable(c.getAccessor())
                        || hasNullable(c.getAnnotatedType());
                ObjectNode ps = schema(t, at);
                if (nullable && !optional) {
                    ps = orNull(ps);
                }
                props.set(name, ps);
                if (!nullable) {
                    required.add(name);
                }
            }
            if (!required.isEmpty()) {
                s.set("required", required);
            }
            s.put("additionalProperties", false);
            return s;
        }

        ObjectNode schema(Type t, String where) {
            if (t instanceof Class<?> c) {
                return classSchema(c, where);
            }
            if (t instanceof ParameterizedType p) {
                Class<?> raw = (Class<?>) p.getRawType();
                Type[] args = p.getActualTypeArguments();
                if (raw == Optional.class) {
                    return orNull(schema(args[0], where));
                }
                if (Collection.class.isAssignableFrom(raw)) {
                    ObjectNode s = NODES.objectNode();
                    s.put("type", "array");
                    s.set("items", schema(args[0], where + "[]"));
                    return s;
                }
                if (Map.class.isAssignableFrom(raw)) {
                    ObjectNode s = NODES.objectNode();
                    s.put("type", "object");
                    s.set("additionalProperties", schema(args[1], where + "{}"));
                    return s;
                }
                return classSchema(raw, where);
            }
            if (t instanceof GenericArrayType g) {
                ObjectNode s = NODES.objectNode();
                s.put("type", "array");
                s.set("items", schema(g.getGenericComponentType(), where + "[]"));
                return s;
            }
            if (t instanceof TypeVariable<?> v) {
                return schema(v.getBounds()[0], where);
            }
            if (t instanceof WildcardType w) {
                return schema(w.getUpperBounds()[0], where);
            }
            throw unsupported(t.getTypeName(), where);
        }

        private ObjectNode classSchema(Class<?> c, String where) {
            ObjectNode s = NODES.objectNode();
            if (c == String.class) {
                s.put("type", "string");
            } else if (c == char.class || c == Character.class) {
                s.put("type", "string");
                s.put("minLength", 1);
                s.put("maxLength", 1);
            } else if (c == boolean.class || c == Boolean.class) {
                s.put("type", "boolean");
            } else if (c == byte.class || c == Byte.class) {
                bounded(s, Byte.MIN_VALUE, Byte.MAX_VALUE);
            } else if (c == short.class || c == Short.class) {
                bounded(s, Short.MIN_VALUE, Short.MAX_VALUE);
            } else if (c == int.class || c == Integer.class) {
                bounded(s, Integer.MIN_VALUE, Integer.MAX_VALUE);
            } else if (c == long.class || c == Long.class) {
                bounded(s, Long.MIN_VALUE, Long.MAX_VALUE);
            } else if (c == BigInteger.class) {
                s.put("type", "integer");
            } else if (c == float.class || c == Float.class || c == double.class || c == Double.class
                    || c == BigDecimal.class) {
                s.put("type", "number");
            } else if (c == UUID.class) {
                s.put("type", "string");
                s.put("format", "uuid");
            } else if (c == Instant.class || c == OffsetDateTime.class || c == ZonedDateTime.class) {
                s.put("type", "string");
                s.put("format", "date-time");
            } else if (c == LocalDate.class) {
                s.put("type", "string");
                s.put("format", "date");
            } else if (c == java.util.Date.class) {
                s.put("type", "string");
                s.put("format", "date-time");
            } else if (c == LocalDateTime.class || c == LocalTime.class || c == OffsetTime.class || c == Duration.class
                    || c == Period.class || c == YearMonth.class || c == MonthDay.class || ZoneId.class.isAssignableFrom(c)
                    || c == Locale.class || c == Currency.class || c == URI.class || c == URL.class) {
                // ISO-8601 text, zone ids, language tags, currency codes: strings with no JSON Schema format
                // that accepts exactly what Jackson writes (a duration's fractional seconds, for one)
                s.put("type", "string");
            } else if (c == Year.class) {
                s.put("type", "integer");
            } else if (c == Month.class) {
                // Jackson writes months as numbers, 1 for January
                s.put("type", "integer");
                s.put("minimum", 1);
                s.put("maximum", 12);
            } else if (c == OptionalInt.class || c == OptionalLong.class) {
                return orNull(classSchema(c == OptionalInt.class ? int.class : long.class, where));
            } else if (c == OptionalDouble.class) {
                return orNull(classSchema(double.class, where));
            } else if (c == Object.class || JsonNode.class.isAssignableFrom(c)) {
                return s;
            } else if (c == byte[].class) {
                s.put("type", "string");
                s.put("contentEncoding", "base64");
            } else if (c.isArray()) {
                s.put("type", "array");
                s.set("items", schema(c.getComponentType(), where + "[]"));
            } else if (c.isEnum()) {
                ArrayNode values = s.putArray("enum");
                for (Object constant : c.getEnumConstants()) {
                    Enum<?> e = (Enum<?>) constant;
                    values.add(enumName(c, e));
                }
            } else if (c.isRecord()) {
                s.put("$ref", ref(c));
            } else if (Collection.class.isAssignableFrom(c)) {
                s.put("type", "array");
            } else if (Map.class.isAssignableFrom(c)) {
                s.put("type", "object");
            } else if (c == Optional.class) {
                return orNull(s);
            } else {
                throw unsupported(c.getName(), where);
            }
            return s;
        }

        private String ref(Class<?> record) {
            if (record == root) {
                return "#";
            }
            String name = names.get(record);
            if (name == null) {
                name = record.getSimpleName();
                if (defs.containsKey(name) || names.containsValue(name)) {
                    name = record.getName().replace('$', '.');
                }
                names.put(record, name);
                defs.put(name, NODES.objectNode()); // placeholder, so a cycle back here ends
                defs.put(name, recordBody(record, record.getSimpleName()));
            }
            return "#/$defs/" + name;
        }

        private static void bounded(ObjectNode s, long min, long max) {
            s.put("type", "integer");
            if (min >= Integer.MIN_VALUE && max <= Integer.MAX_VALUE) {
                // int nodes, as a parser reads these numbers back, so schemas compare equal after a round trip
                s.put("minimum", (int) min);
                s.put("maximum", (int) max);
            } else {
                s.put("minimum", min);
                s.put("maximum", max);
            }
        }

        private static IllegalArgumentException unsupported(String type, String where) {
            return new IllegalArgumentException("cannot derive a JSON Schema for " + type + " at " + where
                    + ": Facta's serializer cannot read it back without type information; use a record, an enum,"
                    + " a value type (String, numbers, UUID, java.time), a collection, a map or Optional");
        }
    }

    /** {@code schema} that also accepts JSON null. */
    static ObjectNode orNull(ObjectNode schema) {
        JsonNode type = schema.get("type");
        if (schema.isEmpty()) {
            return schema; // any value, null included
        }
        if (type != null && type.isString() && !schema.has("$ref")) {
            ObjectNode s = schema.deepCopy();
            ArrayNode types = NODES.arrayNode().add(type.asString()).add("null");
            s.set("type", types);
            return s;
        }
        if (type != null && type.isArray()) {
            ObjectNode s = schema.deepCopy();
            ArrayNode types = (ArrayNode) s.get("type");
            for (JsonNode t : types) {
                if ("null".equals(t.asString())) {
                    return s;
                }
            }
            types.add("null");
            return s;
        }
        if (type == null && schema.has("enum")) {
            ObjectNode s = schema.deepCopy();
            ArrayNode values = (ArrayNode) s.get("enum");
            for (JsonNode v : values) {
                if (v.isNull()) {
                    return s;
                }
            }
            values.addNull();
            return s;
        }
        ObjectNode s = NODES.objectNode();
        s.putArray("anyOf").add(schema).add(NODES.objectNode().put("type", "null"));
        return s;
    }

    private static boolean isOptional(Type t) {
        Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : t instanceof Class<?> c ? c : null;
        return raw == Optional.class || raw == OptionalInt.class || raw == OptionalLong.class
                || raw == OptionalDouble.class;
    }

    private static boolean hasNullable(AnnotatedElement e) {
        for (Annotation a : e.getAnnotations()) {
            if (a.annotationType().getSimpleName().equals("Nullable")) {
                return true;
            }
        }
        return false;
    }

    private static String propertyName(RecordComponent c) {
        for (AnnotatedElement e : new AnnotatedElement[]{c, c.getAccessor()}) {
            JsonProperty p = e.getAnnotation(JsonProperty.class);
            if (p != null && !p.value().isEmpty()) {
                return p.value();
            }
        }
        return c.getName();
    }

    private static String enumName(Class<?> type, Enum<?> e) {
        try {
            JsonProperty p = type.getField(e.name()).getAnnotation(JsonProperty.class);
            if (p != null && !p.value().isEmpty()) {
                return p.value();
            }
        } catch (NoSuchFieldException ignored) {
            // every constant is a public field; nothing to rename
        }
        return e.name();
    }
}

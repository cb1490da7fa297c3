package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON trees the saga runtime keeps its documents as: objects are {@code Map}s in insertion
 * order, arrays {@code List}s, numbers {@link BigDecimal}s, plus strings, booleans and null. The
 * user's state is nested in them as a tree, so it stays queryable.
 */
final class SagaJson {
    static final int MAX_DEPTH = 64;

    /** Documents as JSON trees. */
    static final DocumentCodec<Map<String, Object>> CODEC = new DocumentCodec<>() {
        @Override
        public String encode(Map<String, Object> document) {
            return write(document);
        }

        @Override
        public Map<String, Object> decode(String json) {
            return object(json, "document");
        }
    };

    private SagaJson() {
    }

    /** Parses one JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String json, String field) {
        if (json == null) throw new InvalidInputException(field, field + " is null, not a JSON object");
        Object v = Json.parseStrict(json, MAX_DEPTH, field);
        if (!(v instanceof Map<?, ?> m)) throw new InvalidInputException(field, field + " is not a JSON object: " + abbreviate(json));
        return (Map<String, Object>) m;
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder(128);
        write(value, sb);
        return sb.toString();
    }

    private static void write(Object value, StringBuilder sb) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> Json.quote(s, sb);
            case Boolean b -> sb.append(b);
            case BigDecimal d -> sb.append(d);
            case Long l -> sb.append(l);
            case Integer i -> sb.append(i);
            case BigInteger i -> sb.append(i);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    Json.quote((String) e.getKey(), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) sb.append(',');
                    first = false;
                    write(o, sb);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    // ------------------------------------------------------------------ reading fields

    static String string(Map<String, Object> doc, String field) {
        Object v = doc.get(field);
        return v instanceof String s ? s : null;
    }

    static long number(Map<String, Object> doc, String field, long absent) {
        Object v = doc.get(field);
        return v instanceof BigDecimal d ? d.longValueExact() : absent;
    }

    static Long numberOrNull(Map<String, Object> doc, String field) {
        Object v = doc.get(field);
        return v instanceof BigDecimal d ? d.longValueExact() : null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> doc, String field) {
        Object v = doc.get(field);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    /** A flat object of strings (metadata), or an empty map. */
    static Map<String, String> strings(Map<String, Object> doc, String field) {
        Map<String, Object> m = map(doc, field);
        Map<String, String> out = new LinkedHashMap<>();
        if (m != null) {
            for (var e : m.entrySet()) if (e.getValue() instanceof String s) out.put(e.getKey(), s);
        }
        return out;
    }

    static List<Object> list(Map<String, Object> doc, String field) {
        Object v = doc.get(field);
        return v instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 199) + "…";
    }
}

package dev.facta.crypto;

import java.util.List;
import java.util.Map;

/**
 * A JSON tree that writes back exactly what it read, but for the values replaced in it: objects as
 * {@code LinkedHashMap} (key order kept), arrays as {@code ArrayList}, strings as {@code String},
 * numbers as {@link Num} (their original text, so no precision or notation is lost), booleans and
 * {@code null}. It is read by the core's JSON reader, with numbers kept as {@link Num}.
 */
final class JsonTree {

    /** A JSON number kept as its text. */
    record Num(String text) {
    }

    private static final int MAX_DEPTH = 512;

    private JsonTree() {
    }

    static Object parse(String text, String field) {
        return dev.facta.internal.Json.parse(text, MAX_DEPTH, field, Num::new);
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(value, sb);
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    static void write(Object value, StringBuilder sb) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> dev.facta.internal.Json.quote(s, sb);
            case Num n -> sb.append(n.text());
            case Boolean b -> sb.append(b.booleanValue());
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : ((Map<String, Object>) m).entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    dev.facta.internal.Json.quote(e.getKey(), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(l.get(i), sb);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("not a JSON tree value: " + value.getClass().getName());
        }
    }
}

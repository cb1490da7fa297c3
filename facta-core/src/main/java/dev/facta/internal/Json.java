package dev.facta.internal;

import dev.facta.InvalidInputException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and writer (RFC 8259) for what the core must check or build
 * without a JSON library: validating event data and reading and writing flat metadata objects.
 * Values are parsed to {@code Map} (insertion order), {@code List}, {@code String},
 * {@code Number} (as {@code String} text, unchanged), {@code Boolean} and {@code null}.
 */
public final class Json {
    private final String text;
    private final int maxDepth;
    private final String field;
    /** False when only checking: nothing is built, so validating costs no allocation. */
    private final boolean build;
    /** Documents mode: numbers as BigDecimal, duplicate keys and unpaired surrogates refused. */
    private final boolean strict;
    /** When set, what a number becomes, from its text (instead of the text itself). */
    private final java.util.function.Function<String, Object> numbers;
    private int pos;

    private Json(String text, int maxDepth, String field, boolean build) {
        this(text, maxDepth, field, build, false);
    }

    private Json(String text, int maxDepth, String field, boolean build, boolean strict) {
        this(text, maxDepth, field, build, strict, null);
    }

    private Json(String text, int maxDepth, String field, boolean build, boolean strict,
                 java.util.function.Function<String, Object> numbers) {
        this.text = text;
        this.maxDepth = maxDepth;
        this.field = field;
        this.build = build;
        this.strict = strict;
        this.numbers = numbers;
    }

    /** Decodes strict UTF-8, refusing malformed byte sequences. */
    public static String utf8(byte[] bytes, String field) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(field, field + " is not valid UTF-8");
        }
    }

    /** Checks that the text is exactly one JSON value, nested at most {@code maxDepth} deep. */
    public static void validate(String text, int maxDepth, String field) {
        run(text, maxDepth, field, false);
    }

    public static Object parse(String text, int maxDepth, String field) {
        return run(text, maxDepth, field, true);
    }

    /**
     * Like {@link #parse}, for documents whose values are compared: numbers come back as
     * {@link java.math.BigDecimal}, so they differ from strings, and an object with a duplicate key or
     * a string with an unpaired surrogate is refused (databases keep neither the same way).
     */
    public static Object parseStrict(String text, int maxDepth, String field) {
        return new Json(text, maxDepth, field, true, true).top();
    }

    /**
     * Checks, as {@link #parseStrict} would, that the text is one JSON value (duplicate keys, unpaired
     * surrogates and out-of-range numbers refused) without building it, and returns what the value
     * is: {@code '{'} an object, {@code '['} an array, {@code '"'} a string, {@code 't'}/{@code 'f'} a
     * boolean, {@code 'n'} null, {@code '0'} a number.
     */
    public static char validateStrict(String text, int maxDepth, String field) {
        Json p = new Json(text, maxDepth, field, false, true);
        p.skipWs();
        char first = p.pos < text.length() ? text.charAt(p.pos) : ' ';
        p.top();
        return first == '-' || (first >= '0' && first <= '9') ? '0' : first;
    }

    /**
     * Like {@link #parse}, with each number handed to {@code numbers} as its text and replaced by
     * what it returns: for trees that must tell numbers from strings and write them back unchanged.
     */
    public static Object parse(String text, int maxDepth, String field, java.util.function.Function<String, Object> numbers) {
        return new Json(text, maxDepth, field, true, false, java.util.Objects.requireNonNull(numbers, "numbers")).top();
    }

    private static Object run(String text, int maxDepth, String field, boolean build) {
        return new Json(text, maxDepth, field, build).top();
    }

    private Object top() {
        skipWs();
        Object v = value(0);
        skipWs();
        if (pos != text.length()) {
            throw error("unexpected text after the JSON value");
        }
        return v;
    }

    /**
     * Reads a flat JSON object, handing each entry whose value is a string, number or boolean to
     * {@code sink} (numbers and booleans as their text; nulls are skipped), without building a map.
     */
    public static void readFlatObject(String text, String field, java.util.function.BiConsumer<String, String> sink) {
        Json p = new Json(text, 2, field, true);
        p.skipWs();
        if (p.pos >= text.length() || text.charAt(p.pos) != '{') {
            throw new InvalidInputException(field, field + " must be a JSON object");
        }
        p.pos++;
        p.skipWs();
        if (p.peek() == '}') {
            p.pos++;
        } else {
            while (true) {
                p.skipWs();
                if (p.peek() != '"') throw p.error("expected a string key");
                String key = p.string();
                p.skipWs();
                if (p.peek() != ':') throw p.error("expected ':'");
                p.pos++;
                p.skipWs();
                Object value = p.value(1);
                if (value instanceof Map || value instanceof List) {
                    throw new InvalidInputException(field + "." + key, field + "." + key + " must be a string, number or boolean");
                }
                if (value != null) sink.accept(key, value.toString());
                p.skipWs();
                char c = p.peek();
                p.pos++;
                if (c == '}') break;
                if (c != ',') {
                    p.pos--;
                    throw p.error("expected ',' or '}'");
                }
            }
        }
        p.skipWs();
        if (p.pos != text.length()) throw p.error("unexpected text after the JSON value");
    }

    /** Writes a flat object of strings. */
    public static String writeFlatObject(Map<String, String> map) {
        StringBuilder sb = new StringBuilder(16 + map.size() * 32).append('{');
        boolean first = true;
        for (var e : map.entrySet()) {
            if (!first) sb.append(',');
            first = false;
            quote(e.getKey(), sb);
            sb.append(':');
            quote(e.getValue(), sb);
        }
        return sb.append('}').toString();
    }

    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(s, sb);
        return sb.toString();
    }

    public static void quote(String s, StringBuilder sb) {
        sb.append('"');
        int n = s.length();
        int run = 0; // start of the plain characters not appended yet: they go in one append
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029') continue;
            if (run < i) sb.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    sb.append("\\u");
                    String hex = Integer.toHexString(c);
                    for (int k = hex.length(); k < 4; k++) sb.append('0');
                    sb.append(hex);
                }
            }
        }
        if (run < n) sb.append(s, run, n);
        sb.append('"');
    }

    private InvalidInputException error(String what) {
        return new InvalidInputException(field, field + " is not valid JSON: " + what + " at offset " + pos);
    }

    private void skipWs() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private Object value(int depth) {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("invalid literal");
        }
        pos += word.length();
        return value;
    }

    private Map<String, Object> object(int depth) {
        if (depth > maxDepth) throw error("nested deeper than " + maxDepth);
        pos++; // {
        Map<String, Object> map = build ? new LinkedHashMap<>() : null;
        java.util.Set<String> keys = strict && !build ? new java.util.HashSet<>() : null;
        skipWs();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWs();
            if (peek() != '"') throw error("expected a string key");
            int keyAt = pos;
            String key = string(strict);
            if (strict && (build ? map.containsKey(key) : !keys.add(key))) {
                pos = keyAt;
                throw error("duplicate key \"" + key + "\"");
            }
            skipWs();
            if (peek() != ':') throw error("expected ':'");
            pos++;
            skipWs();
            Object v = value(depth);
            if (build) map.put(key, v);
            skipWs();
            char c = peek();
            pos++;
            if (c == '}') return map;
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        if (depth > maxDepth) throw error("nested deeper than " + maxDepth);
        pos++; // [
        List<Object> list = build ? new ArrayList<>() : null;
        skipWs();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWs();
            Object v = value(depth);
            if (build) list.add(v);
            skipWs();
            char c = peek();
            pos++;
            if (c == ']') return list;
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private char peek() {
        if (pos >= text.length()) throw error("unexpected end of input");
        return text.charAt(pos);
    }

    private String string() {
        return string(false);
    }

    /** Reads a string; built when the parser builds, or when {@code need}ed (keys checked for duplicates). */
    private String string(boolean need) {
        boolean make = build || need;
        pos++; // opening quote
        StringBuilder sb = null;
        int start = pos;
        boolean surrogates = false;
        int end = text.length();
        while (true) {
            if (pos >= end) throw error("unterminated string");
            char c = text.charAt(pos);
            if (c == '"') {
                boolean check = strict && surrogates;
                String s = !make && !check ? null : sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
                if (check) checkSurrogates(s);
                pos++;
                return make ? s : null;
            }
            if (c >= 0xD800 && c <= 0xDFFF) surrogates = true;
            if (c < 0x20) throw error("control character in string");
            if (c == '\\') {
                if (sb == null) sb = new StringBuilder(16);
                sb.append(text, start, pos);
                pos++;
                char e = peek();
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 >= text.length()) throw error("short unicode escape");
                        int cp = 0;
                        for (int i = 1; i <= 4; i++) {
                            int d = Character.digit(text.charAt(pos + i), 16);
                            if (d < 0) throw error("bad unicode escape");
                            cp = cp * 16 + d;
                        }
                        if (cp == 0) throw error("\\u0000 is not allowed (stores such as PostgreSQL's jsonb cannot keep it)");
                        if (cp >= 0xD800 && cp <= 0xDFFF) surrogates = true;
                        sb.append((char) cp);
                        pos += 4;
                    }
                    default -> throw error("bad escape '\\" + e + "'");
                }
                pos++;
                start = pos;
            } else {
                pos++;
            }
        }
    }

    private void checkSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw error("unpaired surrogate in string");
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peekOr('-')) pos++;
        if (peekOr('0')) {
            pos++;
        } else if (digitAt()) {
            while (digitAt()) pos++;
        } else {
            throw error("bad number");
        }
        if (peekOr('.')) {
            pos++;
            if (!digitAt()) throw error("bad number");
            while (digitAt()) pos++;
        }
        if (peekOr('e') || peekOr('E')) {
            pos++;
            if (peekOr('+') || peekOr('-')) pos++;
            if (!digitAt()) throw error("bad number");
            while (digitAt()) pos++;
        }
        if (!build) {
            if (!strict) return null;
            // only an exponent can take a number out of BigDecimal's range
            boolean exponent = false;
            for (int i = start; i < pos && !exponent; i++) exponent = text.charAt(i) == 'e' || text.charAt(i) == 'E';
            if (!exponent) return null;
        }
        String s = text.substring(start, pos);
        if (numbers != null) return numbers.apply(s);
        if (!strict) return s;
        try {
            java.math.BigDecimal d = new java.math.BigDecimal(s);
            return build ? d : null;
        } catch (NumberFormatException e) {
            pos = start;
            throw error("number out of range");
        }
    }

    private boolean peekOr(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private boolean digitAt() {
        return pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9';
    }
}

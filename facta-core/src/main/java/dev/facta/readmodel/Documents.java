package dev.facta.readmodel;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;

import java.math.BigDecimal;
import java.util.Map;

/**
 * The rules every read-model store applies to what it is given, so all stores accept and refuse
 * the same documents and ids.
 */
public final class Documents {
    /** Longest document id, in characters (code points). */
    public static final int MAX_ID_LENGTH = 512;
    /** Deepest nesting of objects and arrays in a document. */
    public static final int MAX_DEPTH = 64;

    private Documents() {
    }

    /**
     * Checks a document id: 1 to {@value #MAX_ID_LENGTH} characters, no control characters and no
     * unpaired surrogates.
     *
     * @throws InvalidInputException the id breaks a rule
     */
    public static String checkId(String id) {
        if (id == null || id.isEmpty()) throw new InvalidInputException("id", "a document id must not be empty");
        int count = 0;
        for (int i = 0; i < id.length(); ) {
            int cp = id.codePointAt(i);
            if (Character.isISOControl(cp)) {
                throw new InvalidInputException("id", "a document id must not contain control characters: " + printable(id));
            }
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                throw new InvalidInputException("id", "a document id must not contain unpaired surrogates: " + printable(id));
            }
            i += Character.charCount(cp);
            count++;
        }
        if (count > MAX_ID_LENGTH) {
            throw new InvalidInputException("id", "a document id is at most " + MAX_ID_LENGTH + " characters, got " + count);
        }
        return id;
    }

    /**
     * Parses an encoded document: it must be one JSON object, at most {@value #MAX_DEPTH} deep, without
     * duplicate keys. Values come back as {@code Map}, {@code List}, {@code String}, {@link BigDecimal},
     * {@code Boolean} or {@code null}.
     *
     * @throws InvalidInputException malformed JSON or not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String json) {
        if (json == null) throw new InvalidInputException("document", "the codec encoded the document as null");
        Object tree = Json.parseStrict(json, MAX_DEPTH, "document");
        if (!(tree instanceof Map)) {
            throw new InvalidInputException("document", "a document must be a JSON object, got "
                    + (tree == null ? "null" : tree instanceof java.util.List ? "an array" : tree instanceof String ? "a string"
                    : tree instanceof Boolean ? "a boolean" : "a number"));
        }
        return (Map<String, Object>) tree;
    }

    private static String printable(String id) {
        StringBuilder sb = new StringBuilder();
        id.codePoints().limit(64).forEach(cp -> {
            if (Character.isISOControl(cp) || cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) sb.append(String.format("\\u%04x", cp));
            else sb.appendCodePoint(cp);
        });
        if (id.length() > 64) sb.append("...");
        return sb.toString();
    }
}

package dev.facta.server.admin;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * JSON as the admin UI shows it: event data and states are read into trees that keep numbers exact
 * (decimals as {@link java.math.BigDecimal} with their trailing zeros, integers of any size), so that
 * what an operator sees is what the store holds, and merged by the generic time-travel fold.
 */
final class AdminJson {
    /** How many characters of compact JSON a one-line preview keeps. */
    static final int PREVIEW_CHARS = 160;

    private final JsonMapper mapper;

    AdminJson(JsonMapper base) {
        this.mapper = base.rebuild()
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    JsonMapper mapper() {
        return mapper;
    }

    ObjectNode object() {
        return mapper.createObjectNode();
    }

    /** The tree of a JSON text, or null when the bytes are not one JSON value. */
    JsonNode parseOrNull(byte[] json) {
        if (json == null || json.length == 0) return null;
        try {
            return mapper.readTree(json);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** The tree of a JSON text, or null when it is not one JSON value. */
    JsonNode parseOrNull(String json) {
        if (json == null || json.isEmpty()) return null;
        try {
            return mapper.readTree(json);
        } catch (JacksonException e) {
            return null;
        }
    }

    String write(JsonNode node) {
        return mapper.writeValueAsString(node);
    }

    /** A one-line preview of event data: compact JSON (or the raw text), cut at {@value #PREVIEW_CHARS} characters. */
    String preview(byte[] data) {
        JsonNode node = parseOrNull(data);
        String text = node != null ? write(node) : new String(data, java.nio.charset.StandardCharsets.UTF_8);
        if (text.length() <= PREVIEW_CHARS) return text;
        int end = PREVIEW_CHARS - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) end--;
        return text.substring(0, end) + "…";
    }

    /** A flat string map as a JSON object. */
    ObjectNode objectOf(Map<String, String> values) {
        ObjectNode node = object();
        values.forEach(node::put);
        return node;
    }

    /**
     * Merges {@code patch} into {@code state} in place: the fields of an object patch are merged
     * recursively into the object state holds there; any other value (arrays, scalars, null)
     * replaces what was there.
     */
    static void deepMerge(ObjectNode state, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode current = state.get(e.getKey());
            JsonNode value = e.getValue();
            if (value.isObject() && current != null && current.isObject()) {
                deepMerge((ObjectNode) current, (ObjectNode) value);
            } else {
                state.set(e.getKey(), value.deepCopy());
            }
        }
    }
}

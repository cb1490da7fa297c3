package dev.facta.runtime.internal;

import dev.facta.InvalidInputException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.util.Map;

/** JSON of event data, entity state and the admin endpoint: plain maps, lists and scalars only. */
public final class JsonCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private JsonCodec() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new InvalidInputException("data", "value cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(String json, String field) {
        Object v = read(json, field);
        if (!(v instanceof Map<?, ?> m)) throw new InvalidInputException(field, "expected a JSON object");
        return (Map<String, Object>) m;
    }

    public static Object read(String json, String field) {
        if (json == null || json.isBlank()) throw new InvalidInputException(field, "expected JSON, got nothing");
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (JacksonException e) {
            throw new InvalidInputException(field, "malformed JSON: " + e.getOriginalMessage());
        }
    }
}

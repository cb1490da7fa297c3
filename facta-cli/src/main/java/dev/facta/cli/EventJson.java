package dev.facta.cli;

import dev.facta.InvalidInputException;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** The CLI's JSON: events as export lines, and the JSON a user types on the command line. */
final class EventJson {
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private EventJson() {
    }

    /**
     * One event as a JSON object: id, stream, version, position, type, data (as JSON, not a
     * string), metadata and recordedAt, the shape of the HTTP API's events.
     */
    static ObjectNode toJson(RecordedEvent e) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", e.id().toString());
        node.put("stream", e.stream().value());
        node.put("version", e.version());
        node.put("position", e.position());
        node.put("type", e.type());
        node.set("data", MAPPER.readTree(e.data()));
        ObjectNode metadata = node.putObject("metadata");
        e.metadata().asMap().forEach(metadata::put);
        node.put("recordedAt", e.recordedAt().toString());
        return node;
    }

    static String line(RecordedEvent e) {
        return MAPPER.writeValueAsString(toJson(e));
    }

    /** Compact JSON text of the event's data, for display. */
    static String data(RecordedEvent e) {
        try {
            return MAPPER.writeValueAsString(MAPPER.readTree(e.data()));
        } catch (JacksonException ex) {
            return e.dataAsString();
        }
    }

    static String metadata(Metadata m) {
        return MAPPER.writeValueAsString(m.asMap());
    }

    /** Parses JSON given by the user; refuses malformed text as bad input (exit code 2). */
    static JsonNode parse(String text, String option) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(option, option + " is empty; it needs JSON, e.g. '{\"name\": \"value\"}'");
        }
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new InvalidInputException(option, option + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Metadata from a flat JSON object. Numbers and booleans are kept as their text; nested
     * values are refused, since metadata values are strings.
     */
    static Metadata metadata(String text, String option) {
        JsonNode node = parse(text, option);
        if (!node.isObject()) {
            throw new InvalidInputException(option, option + " must be a JSON object, e.g. '{\"correlationId\": \"c-1\"}'");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode v = entry.getValue();
            if (v.isString()) {
                values.put(entry.getKey(), v.stringValue());
            } else if (v.isNumber() || v.isBoolean()) {
                values.put(entry.getKey(), v.asString());
            } else {
                throw new InvalidInputException(option + "." + entry.getKey(),
                        option + " value of '" + entry.getKey() + "' must be a string, number or boolean");
            }
        }
        return Metadata.fromMap(values);
    }
}

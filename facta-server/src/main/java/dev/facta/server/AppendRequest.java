package dev.facta.server;

import dev.facta.store.EventData;
import dev.facta.store.Metadata;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads the body of {@code POST /streams/{stream}}: a JSON array of {@code {"id"?, "type", "data",
 * "metadata"?}}. Data is kept as compact JSON (numbers exactly as decimals); metadata is a flat
 * object whose numbers and booleans are kept as their text, as the CLI does. Anything else is refused
 * whole with 400, naming the event and field at fault.
 */
final class AppendRequest {
    private static final Set<String> FIELDS = Set.of("id", "type", "data", "metadata");

    private AppendRequest() {
    }

    /** Checks one event's data before anything is stored (the server's schema validation). */
    @FunctionalInterface
    interface DataCheck {
        DataCheck NONE = (index, type, data) -> {
        };

        /** @throws ApiException when the data is refused */
        void check(int index, String type, JsonNode data);
    }

    static List<EventData> parse(JsonMapper json, byte[] body, ServerLimits limits) {
        return parse(json, body, limits, DataCheck.NONE);
    }

    /** Parses the body and runs {@code check} on every event's data; one refused event refuses the whole batch. */
    static List<EventData> parse(JsonMapper json, byte[] body, ServerLimits limits, DataCheck check) {
        JsonNode root = readJson(json, body);
        if (!root.isArray()) {
            throw ApiException.badRequest("the body must be a JSON array of events, e.g. [{\"type\": \"OrderPlaced\", \"data\": {}}]");
        }
        if (root.isEmpty()) {
            throw ApiException.badRequest("an append needs at least one event; the array is empty");
        }
        if (root.size() > limits.maxEventsPerAppend()) {
            throw ApiException.tooLarge("an append holds at most " + limits.maxEventsPerAppend() + " events, got " + root.size());
        }
        List<EventData> events = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            EventData event = event(json, root.get(i), "events[" + i + "]");
            check.check(i, event.type(), root.get(i).get("data"));
            events.add(event);
        }
        return events;
    }

    /** Parses a request body as one JSON value, refusing malformed JSON and JSON past the limits with 400. */
    static JsonNode readJson(JsonMapper json, byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("the request body is empty; it needs JSON");
        }
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage() + location(e));
        }
    }

    /**
     * A 400 {@code bad_request} that also names the refused part as a JSON Pointer into the body
     * ({@code events[2].metadata.x} is {@code /2/metadata/x}), as schema refusals do.
     */
    private static ApiException bad(String field, String message) {
        String pointer = JsonValidator.pointerOf(field);
        if (pointer.startsWith("/events/")) pointer = pointer.substring("/events".length());
        return new ApiException(400, "bad_request", message, Map.of("field", pointer));
    }

    private static String location(JacksonException e) {
        var at = e.getLocation();
        if (at == null || at.getLineNr() < 1) return "";
        return " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private static EventData event(JsonMapper json, JsonNode node, String field) {
        if (!node.isObject()) {
            throw bad(field, field + " must be a JSON object with type and data");
        }
        for (String name : node.propertyNames()) {
            if (!FIELDS.contains(name)) {
                throw bad(field + "." + name, field + " has the unknown field '" + name + "'; an event has id, type, data and metadata");
            }
        }
        UUID id = id(node.get("id"), field + ".id");
        JsonNode type = node.get("type");
        if (type == null || type.isNull()) {
            throw bad(field + ".type", field + ".type is missing");
        }
        if (!type.isString()) {
            throw bad(field + ".type", field + ".type must be a string");
        }
        JsonNode data = node.get("data");
        if (data == null || data.isNull()) {
            throw bad(field + ".data", field + ".data is missing; it is the event's JSON, e.g. {}");
        }
        return new EventData(id, type.stringValue(), json.writeValueAsBytes(data), metadata(node.get("metadata"), field + ".metadata"));
    }

    private static UUID id(JsonNode node, String field) {
        if (node == null || node.isNull()) return null;
        if (node.isString()) {
            String text = node.stringValue();
            try {
                UUID id = UUID.fromString(text);
                if (id.toString().equalsIgnoreCase(text)) return id;
            } catch (IllegalArgumentException e) {
                // refused below
            }
        }
        throw bad(field, field + " must be a UUID such as 0190f5c2-7b1e-7c3a-9d4e-5f6a7b8c9d0e, got " + node);
    }

    private static Metadata metadata(JsonNode node, String field) {
        if (node == null || node.isNull()) return Metadata.empty();
        if (!node.isObject()) {
            throw bad(field, field + " must be a JSON object of strings, e.g. {\"correlationId\": \"c-1\"}");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            if (v.isString()) {
                values.put(e.getKey(), v.stringValue());
            } else if (v.isNumber() || v.isBoolean()) {
                values.put(e.getKey(), v.asString());
            } else {
                throw bad(field + "." + e.getKey(), field + "." + e.getKey() + " must be a string, number or boolean");
            }
        }
        return Metadata.fromMap(values);
    }
}

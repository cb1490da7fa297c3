package dev.facta.server;

import dev.facta.schema.SchemaValidator;
import dev.facta.schema.SchemaViolationException;
import tools.jackson.databind.JsonNode;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Checks a request body against a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) before
 * anything runs, and refuses it with 400 {@code validation_failed} naming the first failing field
 * as a JSON Pointer ({@code "field": "/lines/0/quantity"}).
 */
final class JsonValidator {
    private final SchemaValidator schema;

    JsonValidator(JsonNode schema) {
        this.schema = SchemaValidator.of(schema);
    }

    /**
     * Refuses the value when it breaks the schema.
     *
     * @param prefix JSON Pointer of the value inside the request body ({@code ""} for the whole body)
     * @throws ApiException 400 {@code validation_failed} with the failing field
     */
    void check(JsonNode value, String prefix, String what) {
        List<SchemaViolationException.Violation> violations = schema.violations(value);
        if (violations.isEmpty()) return;
        SchemaViolationException.Violation first = violations.stream()
                .min(Comparator.comparing(SchemaViolationException.Violation::field)).orElseThrow();
        String field = prefix + first.field();
        String more = violations.size() > 1 ? " (and " + (violations.size() - 1) + " more)" : "";
        throw invalid(field.isEmpty() ? "/" : field, what + " is invalid at " + (field.isEmpty() ? "/" : field) + ": "
                + first.problem() + more);
    }

    /** A 400 {@code validation_failed} refusal naming the field (a JSON Pointer). */
    static ApiException invalid(String field, String message) {
        return new ApiException(400, "validation_failed", message, Map.of("field", field));
    }

    /** A JSON Pointer token: {@code ~} as {@code ~0}, {@code /} as {@code ~1}. */
    static String escape(String token) {
        return SchemaValidator.escape(token);
    }

    /**
     * The JSON Pointer of a field named the way Facta's errors name them ({@code lines[0].quantity},
     * {@code events[2].data}); {@code "/"} for none.
     */
    static String pointerOf(String dotted) {
        if (dotted == null || dotted.isBlank()) return "/";
        if (dotted.startsWith("/")) return dotted;
        StringBuilder b = new StringBuilder();
        for (String part : dotted.split("\\.")) {
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (!name.isEmpty()) b.append('/').append(escape(name));
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                if (close < 0) break;
                b.append('/').append(part, bracket + 1, close);
                bracket = part.indexOf('[', close);
            }
        }
        return b.isEmpty() ? "/" : b.toString();
    }
}

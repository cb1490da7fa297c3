package dev.facta.server;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
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
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final Schema schema;

    JsonValidator(JsonNode schema) {
        this.schema = SCHEMAS.getSchema(schema);
    }

    /**
     * Refuses the value when it breaks the schema.
     *
     * @param prefix JSON Pointer of the value inside the request body ({@code ""} for the whole body)
     * @throws ApiException 400 {@code validation_failed} with the failing field
     */
    void check(JsonNode value, String prefix, String what) {
        List<Error> errors = schema.validate(value);
        if (errors.isEmpty()) return;
        Error first = errors.stream().min(Comparator.comparing(e -> pointer(e))).orElseThrow();
        String field = prefix + pointer(first);
        String more = errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "";
        throw invalid(field.isEmpty() ? "/" : field, what + " is invalid at " + (field.isEmpty() ? "/" : field) + ": "
                + first.getMessage() + more);
    }

    /** A 400 {@code validation_failed} refusal naming the field (a JSON Pointer). */
    static ApiException invalid(String field, String message) {
        return new ApiException(400, "validation_failed", message, Map.of("field", field));
    }

    /** The JSON Pointer of the failing value; for a missing or unexpected property, that property's. */
    static String pointer(Error e) {
        StringBuilder b = new StringBuilder(pointer(e.getInstanceLocation()));
        String property = e.getProperty();
        if (property != null && ("required".equals(e.getKeyword()) || "additionalProperties".equals(e.getKeyword())
                || "unevaluatedProperties".equals(e.getKeyword()))) {
            b.append('/').append(escape(property));
        }
        return b.toString();
    }

    private static String pointer(NodePath path) {
        StringBuilder b = new StringBuilder();
        if (path == null) return "";
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            b.append('/').append(element instanceof Integer n ? n.toString() : escape(String.valueOf(element)));
        }
        return b.toString();
    }

    /** A JSON Pointer token: {@code ~} as {@code ~0}, {@code /} as {@code ~1}. */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
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

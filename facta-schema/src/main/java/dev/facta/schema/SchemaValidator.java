package dev.facta.schema;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import com.networknt.schema.path.PathType;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One compiled JSON Schema (draft 2020-12, as the registry uses them) that reports where a value
 * breaks it: each failing field as a JSON pointer with what was wrong there. The registry checks
 * event data with these; the server checks request bodies with them.
 */
public final class SchemaValidator {
    /** The compiler {@link #of} uses; registries have their own (a compiler remembers schemas by their {@code $id}). */
    private static final com.networknt.schema.SchemaRegistry COMPILER = newCompiler();

    /**
     * A draft 2020-12 compiler: JSON pointers for locations, formats asserted, and keywords the
     * draft does not define ({@code x-facta-upcaster}, {@code x-...} of your own) taken as
     * annotations, without validation or warnings.
     */
    static com.networknt.schema.SchemaRegistry newCompiler() {
        return com.networknt.schema.SchemaRegistry.withDefaultDialect(
                Dialect.builder(Dialects.getDraft202012())
                        .unknownKeywordFactory((keyword, context) -> new NonValidationKeyword(keyword))
                        .build(),
                b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .pathType(PathType.JSON_POINTER)
                        .formatAssertionsEnabled(true)
                        .build()));
    }

    private final Schema schema;

    private SchemaValidator(Schema schema) {
        this.schema = schema;
    }

    /** Compiles a schema (a JSON Schema document, e.g. one {@link JsonSchemas#of} derived). */
    public static SchemaValidator of(JsonNode schema) {
        return new SchemaValidator(COMPILER.getSchema(schema));
    }

    /** Where the value breaks the schema, in the validator's order; empty when it fits. */
    public List<SchemaViolationException.Violation> violations(JsonNode value) {
        List<SchemaViolationException.Violation> out = new ArrayList<>();
        for (Error err : schema.validate(value)) out.add(violation(err));
        return out;
    }

    /** A validator error as a field pointer and a problem text without the location prefix. */
    static SchemaViolationException.Violation violation(Error err) {
        String at = err.getInstanceLocation() == null ? "" : err.getInstanceLocation().toString();
        String message = err.getMessage() == null ? err.toString() : err.getMessage();
        String prefix = at + ": ";
        if (message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        } else if (message.startsWith(": ")) {
            message = message.substring(2);
        }
        String field = at;
        String property = err.getProperty();
        String keyword = err.getKeyword();
        if (property != null && ("required".equals(keyword) || "additionalProperties".equals(keyword)
                || "dependentRequired".equals(keyword) || "unevaluatedProperties".equals(keyword))) {
            field = at + "/" + escape(property);
        }
        return new SchemaViolationException.Violation(field, message);
    }

    /** A JSON pointer token: {@code ~} as {@code ~0}, {@code /} as {@code ~1}. */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}

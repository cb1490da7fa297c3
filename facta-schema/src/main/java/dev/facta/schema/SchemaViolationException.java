package dev.facta.schema;

import dev.facta.InvalidInputException;

import java.util.List;

/**
 * Event data that does not match the schema of its event type, or an event type without a
 * schema in a registry that requires one. Nothing was written.
 *
 * <p>{@link #field()} is a JSON pointer into the event's data ({@code /items/0/sku}; the empty
 * string is the data as a whole), {@link #violations()} every failing field with what was
 * wrong, first one first.
 */
public class SchemaViolationException extends InvalidInputException {

    /** One failing field: its JSON pointer and what was wrong there. */
    public record Violation(String field, String problem) {
        @Override
        public String toString() {
            return (field.isEmpty() ? "(data)" : field) + ": " + problem;
        }
    }

    private final String eventType;
    private final int version;
    private final List<Violation> violations;

    public SchemaViolationException(String eventType, int version, List<Violation> violations, String message) {
        super(violations.isEmpty() ? "" : violations.getFirst().field(), message);
        this.eventType = eventType;
        this.version = version;
        this.violations = List.copyOf(violations);
    }

    /** The event type whose data was refused. */
    public String eventType() {
        return eventType;
    }

    /** The schema version the data was checked against; 0 when the type has no schema. */
    public int version() {
        return version;
    }

    /** Every failing field, in the validator's order; never empty. */
    public List<Violation> violations() {
        return violations;
    }
}

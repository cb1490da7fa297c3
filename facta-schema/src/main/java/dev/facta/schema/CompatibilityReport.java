package dev.facta.schema;

import java.util.List;
import java.util.Objects;

/**
 * How each schema version of one event type relates to the version before it.
 *
 * @param eventType the event type
 * @param steps     one per pair of consecutive versions, ascending; empty for a type with one version
 */
public record CompatibilityReport(String eventType, List<Step> steps) {

    public CompatibilityReport {
        Objects.requireNonNull(eventType, "eventType");
        steps = List.copyOf(steps);
    }

    /** True when no step has a breaking change that no upcaster covers. */
    public boolean ok() {
        return steps.stream().allMatch(Step::ok);
    }

    /** One change of the schema between two versions, at a field of the data. */
    public record Change(String field, boolean breaking, String description) {
        public Change {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(description, "description");
        }

        @Override
        public String toString() {
            return (breaking ? "BREAKING " : "ok ") + (field.isEmpty() ? "(data)" : field) + ": " + description;
        }
    }

    /** Whether and how an upcaster turns events of one version into the next. */
    public enum Coverage {
        /** No upcaster is registered or declared. */
        NONE(false),
        /** An upcaster instance was registered in code with {@link SchemaRegistry#upcaster}. */
        REGISTERED(true),
        /** The schema declares an upcaster class that was found and implements {@code Upcaster}. */
        VERIFIED(true),
        /** The schema declares an upcaster class, but no class path was given to check it. */
        DECLARED_UNVERIFIED(true),
        /** The schema declares an upcaster class that is missing or is not a fitting {@code Upcaster}. */
        INVALID(false);

        private final boolean covers;

        Coverage(boolean covers) {
            this.covers = covers;
        }

        /** Whether this coverage makes breaking changes acceptable. */
        public boolean covers() {
            return covers;
        }
    }

    /**
     * The changes from {@code fromVersion} to {@code toVersion}.
     *
     * @param upcaster the upcaster's class name, or null when there is none
     * @param note     what the upcaster check found (why it is invalid, unverified, ...), or empty
     */
    public record Step(int fromVersion, int toVersion, List<Change> changes, Coverage coverage, String upcaster,
                       String note) {
        public Step {
            changes = List.copyOf(changes);
            Objects.requireNonNull(coverage, "coverage");
            note = note == null ? "" : note;
        }

        /** The breaking changes of this step. */
        public List<Change> breaking() {
            return changes.stream().filter(Change::breaking).toList();
        }

        /** True when this step has no breaking change, or an upcaster covers them. */
        public boolean ok() {
            return breaking().isEmpty() || coverage.covers();
        }
    }
}

package dev.facta.crypto;

import dev.facta.InvalidInputException;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which JSON fields hold personal data, per event type (and per snapshot category), and which field
 * names the data subject they belong to.
 *
 * <pre>{@code
 * EncryptionPolicy policy = EncryptionPolicy.builder()
 *         .eventType("CustomerRegistered").subject("customerId").fields("email", "address.street")
 *         .eventType("CustomerMoved").subject("customerId").fields("address")
 *         .eventType("OrderPlaced").subject("buyer.id").fields("contacts[].phone")
 *         .snapshots("customer").subject("id").fields("email")
 *         .build();
 * }</pre>
 *
 * <p>A field path is keys joined by {@code .}; a key ending in {@code []} stands for every element of
 * the array under it. A field whose value is an object or array is encrypted whole. The subject field
 * is stored in clear and must be a string or a number.
 */
public final class EncryptionPolicy {

    /** One step of a field path: an object key, and whether the value under it is an array to walk. */
    public record Segment(String key, boolean eachElement) {
    }

    /** A field path such as {@code address.street} or {@code contacts[].phone}. */
    public record FieldPath(List<Segment> segments) {
        public FieldPath {
            segments = List.copyOf(segments);
        }

        /**
         * Parses {@code a.b[].c}.
         *
         * @throws InvalidInputException the path is empty or has an empty key
         */
        public static FieldPath parse(String path) {
            if (path == null || path.isEmpty()) throw new InvalidInputException("path", "a field path must not be empty");
            List<Segment> segments = new ArrayList<>();
            for (String part : path.split("\\.", -1)) {
                boolean each = part.endsWith("[]");
                String key = each ? part.substring(0, part.length() - 2) : part;
                if (key.isEmpty() || key.contains("[") || key.contains("]")) {
                    throw new InvalidInputException("path", "bad field path '" + path
                            + "': keys are joined by '.', and a key may end with '[]' for the elements of an array");
                }
                segments.add(new Segment(key, each));
            }
            return new FieldPath(segments);
        }

        boolean walksArrays() {
            return segments.stream().anyMatch(Segment::eachElement);
        }

        boolean startsWith(FieldPath other) {
            if (other.segments.size() > segments.size()) return false;
            for (int i = 0; i < other.segments.size(); i++) {
                if (!segments.get(i).key().equals(other.segments.get(i).key())) return false;
            }
            return true;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (Segment s : segments) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(s.key());
                if (s.eachElement()) sb.append("[]");
            }
            return sb.toString();
        }
    }

    /** What is personal in one event type (or in the snapshots of one category), and whose it is. */
    public record Rule(String name, FieldPath subject, List<FieldPath> fields) {
        public Rule {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(subject, "subject");
            fields = List.copyOf(fields);
        }
    }

    private final Map<String, Rule> eventTypes;
    private final Map<String, Rule> snapshots;

    private EncryptionPolicy(Map<String, Rule> eventTypes, Map<String, Rule> snapshots) {
        this.eventTypes = Map.copyOf(eventTypes);
        this.snapshots = Map.copyOf(snapshots);
    }

    /**
     * How a record's components appear in its JSON: their names (null for a component that is not written)
     * and the annotations they carry. {@link #COMPONENTS} is the plain mapping: component names, annotations
     * on the components; a serializer module supplies its own (facta-jackson's honours {@code @JsonProperty}
     * and {@code @JsonIgnore}).
     */
    public interface RecordMapping {
        RecordMapping COMPONENTS = new RecordMapping() {
            @Override
            public String jsonName(RecordComponent component) {
                return component.getName();
            }

            @Override
            public boolean has(RecordComponent component, Class<? extends java.lang.annotation.Annotation> annotation) {
                return component.isAnnotationPresent(annotation);
            }
        };

        String jsonName(RecordComponent component);

        boolean has(RecordComponent component, Class<? extends java.lang.annotation.Annotation> annotation);
    }

    /** The paths a record type marks with {@link DataSubject} and with {@link PersonalData}. */
    public record Declared(List<String> subjects, List<String> fields) {
    }

    /**
     * The {@link DataSubject} and {@link PersonalData} paths of a record type under a mapping, searching
     * components that are records, or arrays or collections of records ({@code address.street},
     * {@code contacts[].phone}).
     */
    public static Declared declaredBy(Class<?> recordType, RecordMapping mapping) {
        if (!recordType.isRecord()) throw new InvalidInputException("recordType", recordType.getName() + " is not a record");
        List<String> subjects = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        scan(recordType, "", mapping, subjects, fields, 0);
        return new Declared(List.copyOf(subjects), List.copyOf(fields));
    }

    private static void scan(Class<?> type, String prefix, RecordMapping mapping, List<String> subjects, List<String> fields,
                             int depth) {
        if (depth > 16) return; // a cycle of record types; deeper data is not plausible
        for (RecordComponent c : type.getRecordComponents()) {
            String name = mapping.jsonName(c);
            if (name == null) continue;
            String path = prefix + name;
            if (mapping.has(c, DataSubject.class)) subjects.add(path);
            if (mapping.has(c, PersonalData.class)) {
                fields.add(path);
                continue;
            }
            Class<?> raw = c.getType();
            if (raw.isRecord()) {
                scan(raw, path + ".", mapping, subjects, fields, depth + 1);
            } else if (raw.isArray() && raw.getComponentType().isRecord()) {
                scan(raw.getComponentType(), path + "[].", mapping, subjects, fields, depth + 1);
            } else if (Collection.class.isAssignableFrom(raw)) {
                Class<?> element = elementType(c.getGenericType());
                if (element != null && element.isRecord()) scan(element, path + "[].", mapping, subjects, fields, depth + 1);
            }
        }
    }

    private static Class<?> elementType(Type generic) {
        if (generic instanceof ParameterizedType p && p.getActualTypeArguments().length == 1
                && p.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        return null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The rule of an event type, if it has personal data. */
    public Optional<Rule> forEventType(String type) {
        return Optional.ofNullable(eventTypes.get(type));
    }

    /** The rule for the snapshots of a stream category, if they hold personal data. */
    public Optional<Rule> forSnapshots(String category) {
        return Optional.ofNullable(snapshots.get(category));
    }

    /** The event types that hold personal data. */
    public Set<String> eventTypes() {
        return eventTypes.keySet();
    }

    @Override
    public String toString() {
        return "EncryptionPolicy[events=" + eventTypes.values() + ", snapshots=" + snapshots.values() + "]";
    }

    /** Builds a policy; rules are declared one event type (or snapshot category) at a time. */
    public static final class Builder {
        private final Map<String, Rule> eventTypes = new LinkedHashMap<>();
        private final Map<String, Rule> snapshots = new LinkedHashMap<>();

        private Builder() {
        }

        /** Starts the rule of an event type; name its subject field and its personal fields next. */
        public RuleBuilder eventType(String type) {
            if (type == null || type.isEmpty()) throw new InvalidInputException("eventType", "an event type must not be empty");
            return new RuleBuilder(this, type, false);
        }

        /**
         * Starts the rule for snapshots of a stream category (their state encoded as JSON, e.g. by
         * facta-jackson's {@code JacksonStateCodec}); see {@link EncryptedSnapshotStore}.
         */
        public RuleBuilder snapshots(String category) {
            if (category == null || category.isEmpty()) {
                throw new InvalidInputException("category", "a snapshot category must not be empty");
            }
            return new RuleBuilder(this, category, true);
        }

        /** Declares an event type's rule in one call: its subject field and its personal fields. */
        public Builder rule(String type, String subject, String... fields) {
            return eventType(type).subject(subject).fields(fields).done();
        }

        /** Declares the snapshot rule of a stream category in one call. */
        public Builder snapshotRule(String category, String subject, String... fields) {
            return snapshots(category).subject(subject).fields(fields).done();
        }

        /**
         * Declares an event type from the {@link DataSubject} and {@link PersonalData} annotations of a
         * record's components, with component names as JSON field names. Components that are records,
         * or collections or arrays of records, are searched too.
         *
         * @throws InvalidInputException the record names no subject, several, or no personal data
         */
        public Builder annotated(String type, Class<? extends Record> recordType) {
            return annotated(type, recordType, false);
        }

        /** Like {@link #annotated(String, Class)}, for the snapshots of a stream category. */
        public Builder annotatedSnapshots(String category, Class<? extends Record> stateType) {
            return annotated(category, stateType, true);
        }

        private Builder annotated(String name, Class<? extends Record> recordType, boolean snapshot) {
            Declared declared = declaredBy(recordType, RecordMapping.COMPONENTS);
            RuleBuilder rb = snapshot ? snapshots(name) : eventType(name);
            if (declared.subjects().size() != 1) {
                throw new InvalidInputException("subject", recordType.getName() + " must mark exactly one component"
                        + " with @DataSubject, found " + declared.subjects());
            }
            return rb.subject(declared.subjects().getFirst()).fields(declared.fields().toArray(String[]::new)).done();
        }

        public EncryptionPolicy build() {
            return new EncryptionPolicy(eventTypes, snapshots);
        }

        void add(Rule rule, boolean snapshot) {
            Map<String, Rule> target = snapshot ? snapshots : eventTypes;
            if (target.containsKey(rule.name())) {
                throw new InvalidInputException(snapshot ? "category" : "eventType",
                        (snapshot ? "snapshot category '" : "event type '") + rule.name() + "' is declared twice");
            }
            target.put(rule.name(), rule);
        }
    }

    /** The rule of one event type (or snapshot category) being declared. */
    public static final class RuleBuilder {
        private final Builder parent;
        private final String name;
        private final boolean snapshot;
        private FieldPath subject;
        private final List<FieldPath> fields = new ArrayList<>();

        private RuleBuilder(Builder parent, String name, boolean snapshot) {
            this.parent = parent;
            this.name = name;
            this.snapshot = snapshot;
        }

        /** The field naming the data subject, e.g. {@code customerId} or {@code customer.id}. */
        public RuleBuilder subject(String path) {
            FieldPath p = FieldPath.parse(path);
            if (p.walksArrays()) {
                throw new InvalidInputException("subject", "the subject field '" + path + "' must not be inside an array");
            }
            this.subject = p;
            return this;
        }

        /** Fields holding the subject's personal data. */
        public RuleBuilder fields(String... paths) {
            for (String path : paths) fields.add(FieldPath.parse(path));
            return this;
        }

        public RuleBuilder eventType(String type) {
            return done().eventType(type);
        }

        public RuleBuilder snapshots(String category) {
            return done().snapshots(category);
        }

        public Builder annotated(String type, Class<? extends Record> recordType) {
            return done().annotated(type, recordType);
        }

        public Builder annotatedSnapshots(String category, Class<? extends Record> stateType) {
            return done().annotatedSnapshots(category, stateType);
        }

        public EncryptionPolicy build() {
            return done().build();
        }

        Builder done() {
            String what = (snapshot ? "snapshots of '" : "event type '") + name + "'";
            if (subject == null) throw new InvalidInputException("subject", what + " names no subject field");
            if (fields.isEmpty()) throw new InvalidInputException("fields", what + " names no personal data fields");
            for (FieldPath f : fields) {
                if (subject.startsWith(f) || f.startsWith(subject)) {
                    throw new InvalidInputException("fields", what + ": the personal field '" + f
                            + "' overlaps the subject field '" + subject + "', which must stay in clear");
                }
            }
            for (int i = 0; i < fields.size(); i++) {
                for (int j = 0; j < fields.size(); j++) {
                    if (i != j && fields.get(i).startsWith(fields.get(j))) {
                        throw new InvalidInputException("fields", what + ": the personal fields '" + fields.get(j)
                                + "' and '" + fields.get(i) + "' overlap; name the outer one only (it is encrypted whole)");
                    }
                }
            }
            parent.add(new Rule(name, subject, fields), snapshot);
            return parent;
        }
    }
}

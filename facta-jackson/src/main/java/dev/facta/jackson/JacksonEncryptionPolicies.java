package dev.facta.jackson;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.facta.InvalidInputException;
import dev.facta.crypto.DataSubject;
import dev.facta.crypto.EncryptionPolicy;
import dev.facta.crypto.PersonalData;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@link EncryptionPolicy} from the event records of an {@link EventTypeRegistry}: every
 * registered record whose components carry {@link DataSubject} and {@link PersonalData} gets a rule
 * under its registered type name, with the JSON names Jackson writes ({@code @JsonProperty} names
 * win over component names; {@code @JsonIgnore}d components are skipped). Nested records, and
 * collections and arrays of records, are searched too.
 *
 * <pre>{@code
 * EncryptionPolicy policy = JacksonEncryptionPolicies.from(registry).build();
 * }</pre>
 */
public final class JacksonEncryptionPolicies {
    private JacksonEncryptionPolicies() {
    }

    /**
     * A policy builder holding a rule for every annotated record of the registry; add snapshot rules
     * or hand-written event rules to it before {@code build()}.
     *
     * @throws InvalidInputException an annotated record marks personal data but no subject, or several
     */
    public static EncryptionPolicy.Builder from(EventTypeRegistry registry) {
        EncryptionPolicy.Builder builder = EncryptionPolicy.builder();
        for (Map.Entry<String, Class<?>> e : registry.asMap().entrySet()) {
            addIfAnnotated(builder, e.getKey(), e.getValue(), false);
        }
        return builder;
    }

    /** Adds the snapshot rule of a category from an annotated state record (state encoded by {@link JacksonStateCodec}). */
    public static EncryptionPolicy.Builder snapshots(EncryptionPolicy.Builder builder, String category, Class<?> stateType) {
        if (!addIfAnnotated(builder, category, stateType, true)) {
            throw new InvalidInputException("stateType", stateType.getName() + " marks no @PersonalData");
        }
        return builder;
    }

    private static boolean addIfAnnotated(EncryptionPolicy.Builder builder, String name, Class<?> type, boolean snapshot) {
        if (!type.isRecord()) return false;
        EncryptionPolicy.Declared declared = EncryptionPolicy.declaredBy(type, JSON);
        List<String> subjects = declared.subjects();
        List<String> fields = declared.fields();
        if (fields.isEmpty()) return false;
        if (subjects.size() != 1) {
            throw new InvalidInputException("subject", type.getName() + " (" + name + ") marks personal data and must mark"
                    + " exactly one component with @DataSubject, found " + subjects);
        }
        String[] f = fields.toArray(String[]::new);
        if (snapshot) builder.snapshotRule(name, subjects.getFirst(), f);
        else builder.rule(name, subjects.getFirst(), f);
        return true;
    }

    /** Component names as Jackson writes them ({@code @JsonProperty} wins, {@code @JsonIgnore}d components are not written). */
    private static final EncryptionPolicy.RecordMapping JSON = new EncryptionPolicy.RecordMapping() {
        @Override
        public String jsonName(RecordComponent component) {
            return has(component, JsonIgnore.class) ? null : JacksonEncryptionPolicies.jsonName(component);
        }

        @Override
        public boolean has(RecordComponent component, Class<? extends java.lang.annotation.Annotation> annotation) {
            return JacksonEncryptionPolicies.has(component, annotation);
        }
    };

    private static String jsonName(RecordComponent c) {
        for (AnnotatedElement el : new AnnotatedElement[]{c, c.getAccessor(), field(c)}) {
            if (el == null) continue;
            JsonProperty p = el.getAnnotation(JsonProperty.class);
            if (p != null && !p.value().isEmpty()) return p.value();
        }
        return c.getName();
    }

    private static java.lang.reflect.Field field(RecordComponent c) {
        try {
            return c.getDeclaringRecord().getDeclaredField(c.getName());
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    private static boolean has(RecordComponent c, Class<? extends java.lang.annotation.Annotation> a) {
        if (c.isAnnotationPresent(a) || c.getAccessor().isAnnotationPresent(a)) return true;
        java.lang.reflect.Field f = field(c);
        return f != null && f.isAnnotationPresent(a);
    }
}

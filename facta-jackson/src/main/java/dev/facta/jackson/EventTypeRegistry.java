package dev.facta.jackson;

import dev.facta.InvalidInputException;
import dev.facta.internal.AppendValidation;

import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The explicit mapping between event type names (as stored) and Java classes.
 *
 * <p>Invariants: the mapping is one-to-one (a name names one class, a class has one name);
 * every name is a valid stored event type (the same rule the stores apply on append); only
 * concrete classes are registered, so deserialization never has to choose a subtype from the
 * data itself. That last point is the reason there is no polymorphic default typing anywhere:
 * the stored type name, checked against this registry, is the only thing that picks a class.
 *
 * <p>Immutable once built, so it can be shared by any number of threads.
 */
public final class EventTypeRegistry {

    private final Map<String, Class<?>> classesByName;
    private final Map<Class<?>, String> namesByClass;

    private EventTypeRegistry(Map<String, Class<?>> classesByName, Map<Class<?>, String> namesByClass) {
        this.classesByName = Collections.unmodifiableMap(new LinkedHashMap<>(classesByName));
        this.namesByClass = Collections.unmodifiableMap(new LinkedHashMap<>(namesByClass));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The class registered under {@code typeName}. */
    public Optional<Class<?>> classOf(String typeName) {
        return typeName == null ? Optional.empty() : Optional.ofNullable(classesByName.get(typeName));
    }

    /** The type name of exactly this class (a subclass of a registered class is not registered). */
    public Optional<String> nameOf(Class<?> type) {
        return type == null ? Optional.empty() : Optional.ofNullable(namesByClass.get(type));
    }

    /** Every registered type name, in registration order. */
    public Set<String> names() {
        return classesByName.keySet();
    }

    /** Every registration, name to class, in registration order. */
    public Map<String, Class<?>> asMap() {
        return classesByName;
    }

    public boolean isEmpty() {
        return classesByName.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("EventTypeRegistry[");
        boolean first = true;
        for (var e : classesByName.entrySet()) {
            if (!first) sb.append(", ");
            first = false;
            sb.append(e.getKey()).append('=').append(e.getValue().getName());
        }
        return sb.append(']').toString();
    }

    /**
     * Collects registrations. A name already taken by another class, or a class already
     * registered under another name, is refused at once with {@link IllegalArgumentException}:
     * a silently shadowed mapping would make stored events deserialize into the wrong class.
     * Registering the very same name and class twice is accepted, so overlapping sealed
     * hierarchies (a record permitted by two sealed interfaces) can both be registered.
     */
    public static final class Builder {
        private final Map<String, Class<?>> classesByName = new LinkedHashMap<>();
        private final Map<Class<?>, String> namesByClass = new LinkedHashMap<>();

        private Builder() {
        }

        /** Maps {@code typeName} to {@code type}, a concrete class (typically a record). */
        public Builder register(String typeName, Class<?> type) {
            Objects.requireNonNull(type, "type");
            checkName(typeName, type);
            checkConcrete(type);
            Class<?> taken = classesByName.get(typeName);
            if (taken != null && taken != type) {
                throw new IllegalArgumentException("event type name '" + typeName + "' is already registered for "
                        + taken.getName() + "; cannot register it for " + type.getName() + " too");
            }
            String named = namesByClass.get(type);
            if (named != null && !named.equals(typeName)) {
                throw new IllegalArgumentException(type.getName() + " is already registered as '" + named
                        + "'; cannot register it as '" + typeName + "' too");
            }
            classesByName.put(typeName, type);
            namesByClass.put(type, typeName);
            return this;
        }

        /** Registers every concrete class permitted by the sealed {@code root}, under its simple name. */
        public Builder registerSealed(Class<?> root) {
            return registerSealed(root, Class::getSimpleName);
        }

        /**
         * Registers every concrete class permitted by the sealed {@code root}, descending into
         * permitted sealed interfaces and classes, each under {@code naming.apply(class)}.
         * A permitted {@code non-sealed} type is refused: its subclasses cannot be listed, so
         * some events of the hierarchy would silently have no mapping.
         */
        public Builder registerSealed(Class<?> root, Function<Class<?>, String> naming) {
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(naming, "naming");
            if (!root.isSealed()) {
                throw new IllegalArgumentException(root.getName() + " is not sealed; use register(name, class) for it"
                        + " and each of its subclasses");
            }
            walk(root, root, naming);
            return this;
        }

        private void walk(Class<?> root, Class<?> type, Function<Class<?>, String> naming) {
            for (Class<?> sub : type.getPermittedSubclasses()) {
                if (sub.isSealed()) {
                    walk(root, sub, naming);
                    if (isConcrete(sub)) {
                        register(naming.apply(sub), sub);
                    }
                } else if (isConcrete(sub) && (sub.isRecord() || sub.isEnum() || Modifier.isFinal(sub.getModifiers()))) {
                    register(naming.apply(sub), sub);
                } else {
                    throw new IllegalArgumentException(sub.getName() + " (permitted by " + root.getName()
                            + ") is non-sealed, so its subclasses cannot be found; make it sealed or final,"
                            + " or register its classes with register(name, class)");
                }
            }
        }

        public EventTypeRegistry build() {
            return new EventTypeRegistry(classesByName, namesByClass);
        }

        private static void checkName(String typeName, Class<?> type) {
            try {
                AppendValidation.checkType(typeName, "type");
            } catch (InvalidInputException e) {
                throw new IllegalArgumentException("cannot register " + type.getName() + " as '" + typeName + "': "
                        + e.getMessage(), e);
            }
        }

        private static void checkConcrete(Class<?> type) {
            if (!isConcrete(type)) {
                throw new IllegalArgumentException(type.getName() + " is an interface or abstract class; register its"
                        + " concrete classes (registerSealed does that for a sealed hierarchy)");
            }
            if (type.isPrimitive() || type.isArray()) {
                throw new IllegalArgumentException(type.getName() + " cannot be an event type");
            }
        }

        private static boolean isConcrete(Class<?> type) {
            return !type.isInterface() && !Modifier.isAbstract(type.getModifiers());
        }
    }
}

package dev.facta.graphql;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** What a record component holds, as GraphQL sees it: a scalar or enum, a list, or a nested record. */
sealed interface Shape {

    /** The scalar kinds a document field can have. */
    enum Kind { STRING, INT, LONG, FLOAT, DECIMAL, BOOLEAN, DATETIME, DATE, ENUM, JSON }

    /** A scalar or enum value ({@code enumType} set for {@link Kind#ENUM}). */
    record Leaf(Kind kind, Class<?> enumType) implements Shape {
        static Leaf of(Kind kind) {
            return new Leaf(kind, null);
        }
    }

    /** A JSON array of one shape. */
    record ListOf(Shape element) implements Shape {
    }

    /** A nested JSON object written from a record. */
    record Obj(Class<?> type) implements Shape {
    }

    /** The components of a record with their shapes, in declaration order. */
    static Map<String, Shape> fields(Class<?> record) {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (RecordComponent c : record.getRecordComponents()) {
            out.put(GraphQlReadModels.checkGraphQlName(c.getName(), record.getSimpleName() + " component"), of(c.getGenericType()));
        }
        return out;
    }

    /** The shape of a Java type as the default document codec writes it. */
    static Shape of(Type type) {
        if (type instanceof Class<?> c) {
            if (c == String.class || c == char.class || c == Character.class || c == UUID.class || c == byte[].class) {
                return Leaf.of(Kind.STRING);
            }
            if (c == int.class || c == Integer.class || c == short.class || c == Short.class || c == byte.class || c == Byte.class) {
                return Leaf.of(Kind.INT);
            }
            if (c == long.class || c == Long.class) return Leaf.of(Kind.LONG);
            if (c == double.class || c == Double.class || c == float.class || c == Float.class) return Leaf.of(Kind.FLOAT);
            if (c == BigDecimal.class || c == BigInteger.class) return Leaf.of(Kind.DECIMAL);
            if (c == boolean.class || c == Boolean.class) return Leaf.of(Kind.BOOLEAN);
            if (c == Instant.class) return Leaf.of(Kind.DATETIME);
            if (c == LocalDate.class) return Leaf.of(Kind.DATE);
            if (c.isEnum()) return new Leaf(Kind.ENUM, c);
            if (c.isRecord()) return new Obj(c);
            if (c.isArray()) return new ListOf(of(c.getComponentType()));
            if (Collection.class.isAssignableFrom(c)) return new ListOf(Leaf.of(Kind.JSON));
            return Leaf.of(Kind.JSON);
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            if (Collection.class.isAssignableFrom(raw)) return new ListOf(of(p.getActualTypeArguments()[0]));
            if (raw == Optional.class) return of(p.getActualTypeArguments()[0]);
            return Leaf.of(Kind.JSON);
        }
        if (type instanceof GenericArrayType a) return new ListOf(of(a.getGenericComponentType()));
        return Leaf.of(Kind.JSON);
    }
}

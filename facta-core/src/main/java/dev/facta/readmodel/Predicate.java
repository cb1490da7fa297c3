package dev.facta.readmodel;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A test on one field of a document, built with the static factories ({@code eq("pending")},
 * {@code gt(100)}, {@code in("a", "b")}, ...). Values are strings, numbers or booleans; a number
 * matches only a JSON number and a string only a JSON string, so {@code eq(1)} never matches
 * {@code "1"}; numbers compare by value ({@code 1} equals {@code 1.0}), at any size and precision.
 * Strings compare by Unicode code point on every store; booleans are only tested for equality. A
 * document that lacks the field, or holds JSON null there, matches only {@link #missing()} (and
 * {@link #exists()} for JSON null). {@link #ne} matches a field that is present and not JSON null
 * with a different value or a value of another type (an object or array included); comparisons
 * ({@link #gt} ...) and {@link #startsWith} match only values of the argument's type.
 */
public record Predicate(Op op, List<Object> values) {

    /** The comparison a predicate makes. */
    public enum Op { EQ, NE, GT, GTE, LT, LTE, IN, STARTS_WITH, EXISTS, MISSING }

    public Predicate {
        Objects.requireNonNull(op, "op");
        values = List.copyOf(values);
        for (Object v : values) checkValue(v);
        int expected = switch (op) {
            case EXISTS, MISSING -> 0;
            case IN -> -1;
            default -> 1;
        };
        if (expected >= 0 && values.size() != expected) {
            throw new dev.facta.InvalidInputException("query", op + " takes " + expected + " value(s), got " + values.size());
        }
        if (op == Op.IN && values.isEmpty()) throw new dev.facta.InvalidInputException("query", "in() needs at least one value");
        if (op == Op.STARTS_WITH && !(values.getFirst() instanceof String)) {
            throw new dev.facta.InvalidInputException("query", "startsWith takes a string");
        }
        if ((op == Op.GT || op == Op.GTE || op == Op.LT || op == Op.LTE) && values.getFirst() instanceof Boolean) {
            throw new dev.facta.InvalidInputException("query", op + " does not compare booleans");
        }
    }

    private static void checkValue(Object v) {
        if (!(v instanceof String || v instanceof Boolean || v instanceof BigDecimal)) {
            throw new dev.facta.InvalidInputException("query", "a read-model query compares strings, numbers and booleans, not "
                    + (v == null ? "null (use missing())" : v.getClass().getName()));
        }
    }

    /** Numbers are normalised to {@link BigDecimal} so every store compares them the same way. */
    static Object normalise(Object v) {
        return switch (v) {
            case null -> throw new dev.facta.InvalidInputException("query", "null is not a query value; use missing()");
            case BigDecimal b -> b;
            case Integer i -> BigDecimal.valueOf(i);
            case Long l -> BigDecimal.valueOf(l);
            case Short s -> BigDecimal.valueOf(s);
            case Byte b -> BigDecimal.valueOf(b);
            case Double d -> finite(d);
            case Float f -> finite(f.doubleValue());
            case java.math.BigInteger b -> new BigDecimal(b);
            case Enum<?> e -> e.name();
            case CharSequence s -> s.toString();
            case Boolean b -> b;
            default -> throw new dev.facta.InvalidInputException("query", "a read-model query compares strings, numbers and booleans, not "
                    + v.getClass().getName());
        };
    }

    private static BigDecimal finite(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) throw new dev.facta.InvalidInputException("query", "not a finite number: " + d);
        return BigDecimal.valueOf(d);
    }

    private static Predicate of(Op op, Object... values) {
        Object[] n = new Object[values.length];
        for (int i = 0; i < values.length; i++) n[i] = normalise(values[i]);
        return new Predicate(op, List.of(n));
    }

    public static Predicate eq(Object value) {
        return of(Op.EQ, value);
    }

    public static Predicate ne(Object value) {
        return of(Op.NE, value);
    }

    public static Predicate gt(Object value) {
        return of(Op.GT, value);
    }

    public static Predicate gte(Object value) {
        return of(Op.GTE, value);
    }

    public static Predicate lt(Object value) {
        return of(Op.LT, value);
    }

    public static Predicate lte(Object value) {
        return of(Op.LTE, value);
    }

    public static Predicate in(Object... values) {
        return of(Op.IN, values);
    }

    public static Predicate in(java.util.Collection<?> values) {
        return of(Op.IN, values.toArray());
    }

    public static Predicate startsWith(String prefix) {
        return of(Op.STARTS_WITH, prefix);
    }

    /** The field is present (with any value, including JSON null). */
    public static Predicate exists() {
        return new Predicate(Op.EXISTS, List.of());
    }

    /** The field is absent or JSON null. */
    public static Predicate missing() {
        return new Predicate(Op.MISSING, List.of());
    }

    public Object value() {
        return values.getFirst();
    }
}

package dev.facta.graphql;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.FloatValue;
import graphql.language.IntValue;
import graphql.language.NullValue;
import graphql.language.ObjectValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The scalars beyond GraphQL's own: {@code Long} (64-bit integers, as JSON numbers), {@code BigDecimal}
 * (exact decimals, as JSON numbers with every digit), {@code DateTime} (an instant, ISO-8601 with a
 * zone offset), {@code Date} (ISO-8601 calendar date) and {@code JSON} (any JSON value).
 */
final class Scalars {
    private Scalars() {
    }

    static final GraphQLScalarType LONG = scalar("Long", "A 64-bit signed integer, written as a JSON number.", Scalars::toLong,
            l -> l, v -> v instanceof IntValue i ? i.getValue() : v instanceof StringValue s ? s.getValue() : null,
            l -> new IntValue(BigInteger.valueOf(l)));

    static final GraphQLScalarType BIG_DECIMAL = scalar("BigDecimal", "An exact decimal number, written as a JSON number with every"
                    + " digit kept.", Scalars::toDecimal, d -> d,
            v -> v instanceof IntValue i ? i.getValue() : v instanceof FloatValue f ? f.getValue()
                    : v instanceof StringValue s ? s.getValue() : null,
            FloatValue::new);

    static final GraphQLScalarType DATE_TIME = scalar("DateTime", "An instant, ISO-8601 with a zone offset (2026-11-23T06:00:00Z).",
            Scalars::toInstant, Instant::toString, v -> v instanceof StringValue s ? s.getValue() : null,
            i -> StringValue.of(i.toString()));

    static final GraphQLScalarType DATE = scalar("Date", "A calendar date, ISO-8601 (2026-11-23).", Scalars::toDate,
            LocalDate::toString, v -> v instanceof StringValue s ? s.getValue() : null, d -> StringValue.of(d.toString()));

    /**
     * A scalar whose values all pass through {@code convert} (which throws IllegalArgumentException on
     * a bad one): what data fetchers return, variables, and literals ({@code literal} picks the literal
     * kinds it accepts, null for the others).
     */
    private static <T> GraphQLScalarType scalar(String name, String description, Function<Object, T> convert, Function<T, Object> output,
                                                Function<Value<?>, Object> literal, Function<T, Value<?>> toLiteral) {
        return GraphQLScalarType.newScalar().name(name).description(description).coercing(new Coercing<T, Object>() {
            @Override
            public Object serialize(Object value, GraphQLContext ctx, Locale locale) {
                try {
                    return output.apply(convert.apply(value));
                } catch (IllegalArgumentException e) {
                    throw new CoercingSerializeException(e.getMessage());
                }
            }

            @Override
            public T parseValue(Object input, GraphQLContext ctx, Locale locale) {
                try {
                    return convert.apply(input);
                } catch (IllegalArgumentException e) {
                    throw new CoercingParseValueException(e.getMessage());
                }
            }

            @Override
            public T parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext ctx, Locale locale) {
                Object raw = literal.apply(input);
                if (raw == null) throw new CoercingParseLiteralException("a " + name + " is not a " + input.getClass().getSimpleName());
                try {
                    return convert.apply(raw);
                } catch (IllegalArgumentException e) {
                    throw new CoercingParseLiteralException(e.getMessage());
                }
            }

            @Override
            public Value<?> valueToLiteral(Object input, GraphQLContext ctx, Locale locale) {
                return toLiteral.apply(convert.apply(input));
            }
        }).build();
    }

    static final GraphQLScalarType JSON = GraphQLScalarType.newScalar().name("JSON")
            .description("Any JSON value: a read-model document or a part of one.").coercing(new Coercing<Object, Object>() {
                @Override
                public Object serialize(Object value, GraphQLContext ctx, Locale locale) {
                    return value;
                }

                @Override
                public Object parseValue(Object input, GraphQLContext ctx, Locale locale) {
                    return input;
                }

                @Override
                public Object parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext ctx, Locale locale) {
                    return literal(input, variables);
                }

                @Override
                public Value<?> valueToLiteral(Object input, GraphQLContext ctx, Locale locale) {
                    if (input instanceof String s) return StringValue.of(s);
                    if (input instanceof Boolean b) return BooleanValue.of(b);
                    if (input == null) return NullValue.of();
                    throw new UnsupportedOperationException("JSON default values are strings, booleans or null");
                }
            }).build();

    private static Object literal(Value<?> v, CoercedVariables variables) {
        return switch (v) {
            case StringValue s -> s.getValue();
            case BooleanValue b -> b.isValue();
            case IntValue i -> new BigDecimal(i.getValue());
            case FloatValue f -> f.getValue();
            case NullValue n -> null;
            case VariableReference r -> variables.get(r.getName());
            case ArrayValue a -> {
                List<Object> out = new ArrayList<>();
                for (Value<?> e : a.getValues()) out.add(literal(e, variables));
                yield out;
            }
            case ObjectValue o -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (var f : o.getObjectFields()) out.put(f.getName(), literal(f.getValue(), variables));
                yield out;
            }
            default -> throw new CoercingParseLiteralException("not a JSON literal: " + v.getClass().getSimpleName());
        };
    }

    static long toLong(Object v) {
        try {
            return switch (v) {
                case Long l -> l;
                case Integer i -> i;
                case Short s -> s;
                case Byte b -> b;
                case BigInteger b -> b.longValueExact();
                case BigDecimal d -> d.longValueExact();
                case Double d when d == Math.rint(d) && !Double.isInfinite(d) -> BigDecimal.valueOf(d).longValueExact();
                case String s -> Long.parseLong(s.trim());
                case null -> throw new IllegalArgumentException("a Long is not null");
                default -> throw new IllegalArgumentException("not a 64-bit integer: " + v);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("not a 64-bit integer: " + v);
        }
    }

    static BigDecimal toDecimal(Object v) {
        try {
            return switch (v) {
                case BigDecimal d -> d;
                case BigInteger b -> new BigDecimal(b);
                case Long l -> BigDecimal.valueOf(l);
                case Integer i -> BigDecimal.valueOf(i);
                case Double d -> BigDecimal.valueOf(d);
                case Float f -> BigDecimal.valueOf(f.doubleValue());
                case String s -> new BigDecimal(s.trim());
                case null -> throw new IllegalArgumentException("a BigDecimal is not null");
                default -> throw new IllegalArgumentException("not a decimal number: " + v);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a decimal number: " + v);
        }
    }

    static Instant toInstant(Object v) {
        return switch (v) {
            case Instant i -> i;
            case OffsetDateTime o -> o.toInstant();
            case String s -> {
                try {
                    yield OffsetDateTime.parse(s.trim()).toInstant();
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("not an ISO-8601 date-time with a zone offset: " + s);
                }
            }
            case null -> throw new IllegalArgumentException("a DateTime is not null");
            default -> throw new IllegalArgumentException("not a date-time: " + v);
        };
    }

    static LocalDate toDate(Object v) {
        return switch (v) {
            case LocalDate d -> d;
            case String s -> {
                try {
                    yield LocalDate.parse(s.trim());
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("not an ISO-8601 date: " + s);
                }
            }
            case null -> throw new IllegalArgumentException("a Date is not null");
            default -> throw new IllegalArgumentException("not a date: " + v);
        };
    }
}

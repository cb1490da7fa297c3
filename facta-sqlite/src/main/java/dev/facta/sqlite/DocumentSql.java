package dev.facta.sqlite;

import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns read-model queries into SQLite SQL over a document table ({@code id, doc} with the document
 * as JSON text), with exactly the semantics of {@link Query} and {@link Predicate}.
 *
 * <p>For a field {@code f} three expressions are used: {@code json_type(doc, P)} (the JSON type, SQL
 * NULL when the field is absent), {@code json_extract(doc, P)} (the value as SQL: TEXT for strings,
 * INTEGER or REAL for numbers, 1/0 for booleans) and {@code doc -> P} (the value's JSON text, for
 * numbers exactly as written). Every condition checks the JSON type first, so a string never equals
 * a number, a boolean never equals 1, and an array never equals its text. Strings compare with
 * SQLite's BINARY collation, which orders UTF-8 bytes and so Unicode code points. Expression indexes
 * are created on {@link #value} exactly, so equality and range conditions can use them.
 *
 * <p>Numbers are compared exactly, as decimals, although SQLite turns JSON numbers into 64-bit
 * integers or doubles (a double cannot tell 12345678901234567890.5 from 12345678901234567890, and
 * SQLite's decimal-to-double conversion may be off by an ulp or two). A numeric condition is the
 * conjunction of a range on {@code json_extract} that is sure to hold for every match (the query
 * value as a double, widened by far more than any conversion error; it is what an index serves) and
 * an exact test: integers that SQLite holds exactly are compared with integer bounds in SQL, and the
 * rest, only inside that narrow band, by their JSON text with the {@code facta_decimal} collation
 * ({@link SqliteDocumentFunctions}), which compares decimals exactly. Sorting is exact too (see
 * {@link #orderBy}).
 */
final class DocumentSql {

    /** SQL and its arguments, in order; arguments are String, Long, Double or Integer. */
    record Fragment(String sql, List<Object> args) {
    }

    /** Integers in [-2^53, 2^53] are exact doubles too, so they can be sort keys next to correctly rounded doubles. */
    private static final String EXACT_DOUBLE_INTEGERS = "BETWEEN -9007199254740992 AND 9007199254740992";
    private static final String NUMBER = "IN ('integer', 'real')";
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    /** Beyond every 64-bit integer, so SQLite's exact integer-to-real comparison decides correctly. */
    private static final double ABOVE_LONGS = 1e19;
    /** How far (relative) the safe range is widened around a query value: far beyond SQLite's conversion error. */
    private static final double WIDEN = 0x1p-40;

    private DocumentSql() {
    }

    /** The JSON path of a field ({@code customer.id} is {@code $."customer"."id"}); fields are checked by {@link Query#checkField}. */
    static String path(String field) {
        Query.checkField(field);
        StringBuilder sb = new StringBuilder("'$");
        for (String segment : field.split("\\.")) sb.append(".\"").append(segment).append('"');
        return sb.append('\'').toString();
    }

    static String type(String field) {
        return "json_type(doc, " + path(field) + ")";
    }

    /** The expression indexes are created on. */
    static String value(String field) {
        return "json_extract(doc, " + path(field) + ")";
    }

    static String raw(String field) {
        return "(doc -> " + path(field) + ")";
    }

    /** The WHERE clause (without the keyword) for a query's conditions; "1" when it has none. */
    static Fragment where(List<Query.Condition> conditions) {
        if (conditions.isEmpty()) return new Fragment("1", List.of());
        StringBuilder sql = new StringBuilder();
        List<Object> args = new ArrayList<>();
        for (Query.Condition c : conditions) {
            if (!sql.isEmpty()) sql.append(" AND ");
            condition(c.field(), c.predicate(), sql, args);
        }
        return new Fragment(sql.toString(), args);
    }

    /** One condition, as a parenthesised expression that is never NULL. */
    static void condition(String field, Predicate p, StringBuilder sql, List<Object> args) {
        String t = type(field);
        switch (p.op()) {
            case EXISTS -> sql.append('(').append(t).append(" IS NOT NULL)");
            case MISSING -> sql.append('(').append(t).append(" IS NULL OR ").append(t).append(" = 'null')");
            case EQ -> equal(field, p.value(), sql, args);
            case NE -> {
                sql.append('(').append(t).append(" IS NOT NULL AND ").append(t).append(" <> 'null' AND NOT ");
                equal(field, p.value(), sql, args);
                sql.append(')');
            }
            case IN -> in(field, p.values(), sql, args);
            case GT, GTE, LT, LTE -> {
                if (p.value() instanceof String s) {
                    sql.append('(').append(t).append(" = 'text' AND ").append(value(field)).append(' ')
                            .append(operator(p.op())).append(" ?)");
                    args.add(s);
                } else {
                    compareNumber(field, p.op(), (BigDecimal) p.value(), sql, args);
                }
            }
            case STARTS_WITH -> {
                String prefix = (String) p.value();
                String x = value(field);
                sql.append('(').append(t).append(" = 'text'");
                if (!prefix.isEmpty()) {
                    // the range serves an index; substr (which counts characters) makes it exact
                    sql.append(" AND ").append(x).append(" >= ? AND substr(").append(x).append(", 1, ?) = ?");
                    args.add(prefix);
                    args.add(prefix.codePointCount(0, prefix.length()));
                    args.add(prefix);
                }
                sql.append(')');
            }
        }
    }

    private static String operator(Predicate.Op op) {
        return switch (op) {
            case GT -> ">";
            case GTE -> ">=";
            case LT -> "<";
            case LTE -> "<=";
            default -> throw new IllegalArgumentException(op.toString());
        };
    }

    private static void equal(String field, Object v, StringBuilder sql, List<Object> args) {
        switch (v) {
            case String s -> {
                sql.append('(').append(type(field)).append(" = 'text' AND ").append(value(field)).append(" = ?)");
                args.add(s);
            }
            case Boolean b -> sql.append('(').append(type(field)).append(b ? " = 'true')" : " = 'false')");
            case BigDecimal n -> compareNumber(field, Predicate.Op.EQ, n, sql, args);
            default -> throw new IllegalArgumentException("not a query value: " + v);
        }
    }

    private static void in(String field, List<Object> values, StringBuilder sql, List<Object> args) {
        List<String> strings = new ArrayList<>();
        List<BigDecimal> numbers = new ArrayList<>();
        boolean yes = false;
        boolean no = false;
        for (Object v : values) {
            switch (v) {
                case String s -> strings.add(s);
                case BigDecimal n -> numbers.add(n);
                case Boolean b -> {
                    if (b) yes = true;
                    else no = true;
                }
                default -> throw new IllegalArgumentException("not a query value: " + v);
            }
        }
        String t = type(field);
        List<String> parts = new ArrayList<>();
        if (!strings.isEmpty()) {
            parts.add("(" + t + " = 'text' AND " + value(field) + " IN (" + "?,".repeat(strings.size() - 1) + "?))");
        }
        // arguments must follow the order of the parts
        List<Object> stringArgs = new ArrayList<>(strings);
        StringBuilder numeric = new StringBuilder();
        List<Object> numericArgs = new ArrayList<>();
        for (BigDecimal n : numbers) {
            if (!numeric.isEmpty()) numeric.append(" OR ");
            compareNumber(field, Predicate.Op.EQ, n, numeric, numericArgs);
        }
        if (!numeric.isEmpty()) parts.add("(" + numeric + ")");
        if (yes && no) parts.add("(" + t + " IN ('true', 'false'))");
        else if (yes) parts.add("(" + t + " = 'true')");
        else if (no) parts.add("(" + t + " = 'false')");
        sql.append('(').append(String.join(" OR ", parts)).append(')');
        args.addAll(stringArgs);
        args.addAll(numericArgs);
    }

    /**
     * An exact comparison of a JSON number with {@code v}. Let {@code [lo, hi]} be doubles that
     * surely enclose both v and SQLite's double of every JSON number equal to v. A stored number
     * whose double is above hi is above v, below lo is below v; only inside the band is the exact
     * test needed: integers SQLite holds exactly against integer bounds (x > v iff x > floor(v),
     * x >= v iff x >= ceil(v)), other numbers by their JSON text under facta_decimal.
     */
    private static void compareNumber(String field, Predicate.Op op, BigDecimal v, StringBuilder sql, List<Object> args) {
        String t = type(field);
        String x = value(field);
        String exactText = raw(field) + " COLLATE " + SqliteDocumentFunctions.DECIMAL;
        double d = v.doubleValue();
        double lo;
        double hi;
        if (Double.isInfinite(d)) {
            double edge = Double.MAX_VALUE * (1 - WIDEN);
            lo = d > 0 ? edge : Double.NEGATIVE_INFINITY;
            hi = d > 0 ? Double.POSITIVE_INFINITY : -edge;
        } else {
            double m = Math.max(Math.abs(d) * WIDEN, 64 * Double.MIN_VALUE);
            lo = d - m;
            hi = d + m;
        }
        Object floor = integerBound(v.setScale(0, RoundingMode.FLOOR));
        Object ceil = integerBound(v.setScale(0, RoundingMode.CEILING));
        String text = v.toString();
        sql.append('(').append(t).append(' ').append(NUMBER).append(" AND ");
        switch (op) {
            case EQ -> {
                sql.append(x).append(" >= ? AND ").append(x).append(" <= ? AND CASE WHEN typeof(").append(x)
                        .append(") = 'integer' THEN ");
                args.add(lo);
                args.add(hi);
                if (isLong(v)) {
                    sql.append(x).append(" = ?");
                    args.add(v.longValueExact());
                } else {
                    sql.append('0');
                }
                sql.append(" ELSE ").append(exactText).append(" = ? END");
                args.add(text);
            }
            case GT, GTE -> {
                sql.append(x).append(" >= ? AND (").append(x).append(" > ? OR CASE WHEN typeof(").append(x)
                        .append(") = 'integer' THEN ").append(x).append(op == Predicate.Op.GT ? " > ?" : " >= ?")
                        .append(" ELSE ").append(exactText).append(' ').append(operator(op)).append(" ? END)");
                args.add(lo);
                args.add(hi);
                args.add(op == Predicate.Op.GT ? floor : ceil);
                args.add(text);
            }
            case LT, LTE -> {
                sql.append(x).append(" <= ? AND (").append(x).append(" < ? OR CASE WHEN typeof(").append(x)
                        .append(") = 'integer' THEN ").append(x).append(op == Predicate.Op.LT ? " < ?" : " <= ?")
                        .append(" ELSE ").append(exactText).append(' ').append(operator(op)).append(" ? END)");
                args.add(hi);
                args.add(lo);
                args.add(op == Predicate.Op.LT ? ceil : floor);
                args.add(text);
            }
            default -> throw new IllegalArgumentException(op.toString());
        }
        sql.append(')');
    }

    private static boolean isLong(BigDecimal v) {
        if (v.signum() != 0 && v.stripTrailingZeros().scale() > 0) return false;
        return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0;
    }

    /** An integral value as a Long, or a double beyond every long when it is out of range. */
    private static Object integerBound(BigDecimal integral) {
        if (integral.compareTo(LONG_MAX) > 0) return ABOVE_LONGS;
        if (integral.compareTo(LONG_MIN) < 0) return -ABOVE_LONGS;
        return integral.longValueExact();
    }

    /**
     * The ORDER BY clause (without the keywords) for a query's sort keys, then the id. Each sort key
     * is one SQL value that SQLite's own order of types already puts right: numbers (INTEGER or REAL)
     * before strings (TEXT) before booleans (as the BLOBs x'00' and x'01'), reversed when descending,
     * and documents lacking a sortable value (absent, null, array, object: NULL) last either way.
     * Every JSON function runs once or twice per row and key, which is what sorting costs.
     *
     * <p>Numbers sort exactly, without comparing decimals on every comparison: by a double that is
     * monotonic in the value (the integer itself when SQLite holds it exactly and a double can too,
     * else the correctly rounded double from {@code facta_num}), then, among numbers sharing that
     * double, by {@code facta_fine}, a text key that orders them exactly (such integers are exactly
     * their double and get its key without calling Java).
     */
    static String orderBy(List<Query.Sort> sort) {
        StringBuilder sql = new StringBuilder();
        for (Query.Sort s : sort) {
            String t = type(s.field());
            String x = value(s.field());
            String r = raw(s.field());
            String dir = s.direction() == Query.Direction.DESC ? " DESC NULLS LAST" : " ASC NULLS LAST";
            String exact = x + " " + EXACT_DOUBLE_INTEGERS;
            sql.append("CASE ").append(t).append(" WHEN 'text' THEN ").append(x)
                    .append(" WHEN 'integer' THEN CASE WHEN ").append(exact).append(" THEN ").append(x).append(" ELSE ")
                    .append(SqliteDocumentFunctions.NUM).append('(').append(r).append(") END")
                    .append(" WHEN 'real' THEN ").append(SqliteDocumentFunctions.NUM).append('(').append(r).append(')')
                    .append(" WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' END").append(dir).append(", ");
            sql.append("CASE ").append(t).append(" WHEN 'integer' THEN CASE WHEN ").append(exact).append(" THEN '")
                    .append(SqliteDocumentFunctions.ON_DOUBLE).append("' ELSE ").append(SqliteDocumentFunctions.FINE)
                    .append('(').append(r).append(") END WHEN 'real' THEN ").append(SqliteDocumentFunctions.FINE)
                    .append('(').append(r).append(") END").append(dir).append(", ");
        }
        return sql.append("id").toString();
    }
}

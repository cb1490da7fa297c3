package dev.facta.postgres;

import dev.facta.readmodel.Index;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles read-model queries to SQL over a table of {@code (id text COLLATE "C", doc jsonb)}.
 *
 * <p>Every field is read through one of three typed expressions, each NULL unless the field holds a
 * JSON value of its type: {@link #number} (numeric), {@link #text} (text in the "C" collation, which
 * compares UTF-8 bytes and so orders by Unicode code point) and {@link #bool}. A cast is only ever
 * evaluated inside a {@code CASE} that checked the type first, so a document of another shape can
 * never make a query fail, and comparisons are type-strict: {@code eq(1)} never matches {@code "1"}.
 * Indexes are built on exactly these expressions ({@link #indexExpression}), so the planner matches
 * them. Field paths are checked by {@link Query#checkField} and written as SQL array literals;
 * values are always bind parameters.
 */
final class DocumentSql {

    private DocumentSql() {
    }

    /** A compiled fragment and its bind values, in order. */
    record Fragment(String sql, List<Object> params) {
    }

    /** The jsonb path literal of a field: {@code customer.id} is {@code '{"customer","id"}'}. */
    static String path(String field) {
        Query.checkField(field);
        StringBuilder sb = new StringBuilder("'{");
        String[] parts = field.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) sb.append(',');
            sb.append('"').append(parts[i]).append('"');
        }
        return sb.append("}'").toString();
    }

    /** The field's jsonb value, SQL NULL when the document lacks it. */
    static String value(String field) {
        return "(doc #> " + path(field) + ")";
    }

    private static String typeOf(String field) {
        return "jsonb_typeof(doc #> " + path(field) + ")";
    }

    /** The field as numeric when it is a JSON number, else NULL. */
    static String number(String field) {
        String p = path(field);
        return "(CASE WHEN jsonb_typeof(doc #> " + p + ") = 'number' THEN (doc #> " + p + ")::numeric END)";
    }

    /** The field as text in code-point order when it is a JSON string, else NULL. */
    static String text(String field) {
        String p = path(field);
        return "((CASE WHEN jsonb_typeof(doc #> " + p + ") = 'string' THEN doc #>> " + p + " END) COLLATE \"C\")";
    }

    /** The field as boolean when it is a JSON boolean, else NULL. */
    static String bool(String field) {
        String p = path(field);
        return "(CASE WHEN jsonb_typeof(doc #> " + p + ") = 'boolean' THEN (doc #> " + p + ")::boolean END)";
    }

    /** The expression an index of that kind is built on: the very one queries compare. */
    static String indexExpression(Index index) {
        return switch (index.kind()) {
            case TEXT -> text(index.field());
            case NUMBER -> number(index.field());
        };
    }

    /** The WHERE clause of a query's conditions ({@code true} when it has none). */
    static Fragment where(Query query) {
        if (query.conditions().isEmpty()) return new Fragment("true", List.of());
        StringBuilder sql = new StringBuilder();
        List<Object> params = new ArrayList<>();
        for (Query.Condition c : query.conditions()) {
            if (!sql.isEmpty()) sql.append(" AND ");
            sql.append('(');
            condition(c.field(), c.predicate(), sql, params);
            sql.append(')');
        }
        return new Fragment(sql.toString(), params);
    }

    private static void condition(String field, Predicate p, StringBuilder sql, List<Object> params) {
        switch (p.op()) {
            case EXISTS -> sql.append(value(field)).append(" IS NOT NULL");
            case MISSING -> sql.append("coalesce(").append(typeOf(field)).append(", 'null') = 'null'");
            case EQ -> equal(field, p.value(), sql, params);
            case NE -> {
                // present, not JSON null, and not equal (a value of another type is not equal)
                sql.append(typeOf(field)).append(" <> 'null' AND (");
                equal(field, p.value(), sql, params);
                sql.append(") IS NOT TRUE");
            }
            case IN -> in(field, p.values(), sql, params);
            case GT -> compare(field, ">", p.value(), sql, params);
            case GTE -> compare(field, ">=", p.value(), sql, params);
            case LT -> compare(field, "<", p.value(), sql, params);
            case LTE -> compare(field, "<=", p.value(), sql, params);
            case STARTS_WITH -> startsWith(field, (String) p.value(), sql, params);
        }
    }

    private static void equal(String field, Object v, StringBuilder sql, List<Object> params) {
        compare(field, "=", v, sql, params);
    }

    private static void compare(String field, String op, Object v, StringBuilder sql, List<Object> params) {
        switch (v) {
            case BigDecimal n -> {
                sql.append(number(field)).append(' ').append(op).append(" ?");
                params.add(n);
            }
            case String s -> {
                sql.append(text(field)).append(' ').append(op).append(" ?");
                params.add(s);
            }
            case Boolean b -> {
                sql.append(bool(field)).append(' ').append(op).append(" ?");
                params.add(b);
            }
            default -> throw new IllegalArgumentException("not a query value: " + v);
        }
    }

    private static void in(String field, List<Object> values, StringBuilder sql, List<Object> params) {
        List<BigDecimal> numbers = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        List<Boolean> booleans = new ArrayList<>();
        for (Object v : values) {
            switch (v) {
                case BigDecimal n -> numbers.add(n);
                case String s -> strings.add(s);
                case Boolean b -> booleans.add(b);
                default -> throw new IllegalArgumentException("not a query value: " + v);
            }
        }
        List<String> parts = new ArrayList<>(3);
        if (!numbers.isEmpty()) {
            parts.add(number(field) + " = ANY(?::numeric[])");
            params.add(new TypedArray("numeric", numbers.toArray()));
        }
        if (!strings.isEmpty()) {
            parts.add(text(field) + " = ANY(?::text[])");
            params.add(new TypedArray("text", strings.toArray()));
        }
        if (!booleans.isEmpty()) {
            parts.add(bool(field) + " = ANY(?::boolean[])");
            params.add(new TypedArray("bool", booleans.toArray()));
        }
        sql.append(String.join(" OR ", parts));
    }

    /**
     * A prefix test as a range, {@code prefix <= s < successor(prefix)}, which an index on the text
     * expression serves; exactly the strings that start with the prefix lie in that range.
     */
    private static void startsWith(String field, String prefix, StringBuilder sql, List<Object> params) {
        String t = text(field);
        if (prefix.isEmpty()) {
            sql.append(t).append(" IS NOT NULL");
            return;
        }
        String upper = successor(prefix);
        sql.append(t).append(" >= ?");
        params.add(prefix);
        if (upper != null) {
            sql.append(" AND ").append(t).append(" < ?");
            params.add(upper);
        } else {
            sql.append(" AND starts_with(").append(t).append(", ?)");
            params.add(prefix);
        }
    }

    /**
     * The least string above every string that starts with {@code prefix}, in code-point order: the
     * prefix with its last code point raised by one (dropping trailing U+10FFFF). Null when there is
     * none (the prefix is all U+10FFFF).
     */
    static String successor(String prefix) {
        int[] cps = prefix.codePoints().toArray();
        for (int i = cps.length - 1; i >= 0; i--) {
            int next = cps[i] + 1;
            if (next == Character.MIN_SURROGATE) next = Character.MAX_SURROGATE + 1;
            if (next <= Character.MAX_CODE_POINT) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < i; j++) sb.appendCodePoint(cps[j]);
                return sb.appendCodePoint(next).toString();
            }
        }
        return null;
    }

    /**
     * The ORDER BY clause: per key, present values of a comparable type first (numbers, strings,
     * booleans ascending; the reverse descending), others (absent, JSON null, objects, arrays) last
     * in either direction; then the id. When a condition already confines a sort field to one type,
     * only that type's expression is sorted on, so an index on it can serve the order.
     */
    static String orderBy(Query query) {
        StringBuilder sb = new StringBuilder();
        for (Query.Sort s : query.sort()) {
            boolean desc = s.direction() == Query.Direction.DESC;
            String dir = desc ? " DESC" : " ASC";
            Class<?> only = confinedType(query, s.field());
            if (only == BigDecimal.class) {
                sb.append(number(s.field())).append(dir).append(", ");
            } else if (only == String.class) {
                sb.append(text(s.field())).append(dir).append(", ");
            } else if (only == Boolean.class) {
                sb.append(bool(s.field())).append(dir).append(", ");
            } else {
                String p = path(s.field());
                sb.append("CASE jsonb_typeof(doc #> ").append(p).append(")")
                        .append(desc ? " WHEN 'boolean' THEN 0 WHEN 'string' THEN 1 WHEN 'number' THEN 2"
                                : " WHEN 'number' THEN 0 WHEN 'string' THEN 1 WHEN 'boolean' THEN 2")
                        .append(" ELSE 3 END, ");
                sb.append(number(s.field())).append(dir).append(" NULLS LAST, ");
                sb.append(text(s.field())).append(dir).append(" NULLS LAST, ");
                sb.append(bool(s.field())).append(dir).append(" NULLS LAST, ");
            }
        }
        return sb.append("id").toString();
    }

    /**
     * The one JSON type every matching document has in {@code field}, when a condition implies it
     * (a comparison, equality, {@code in} of values of one type, a prefix); null otherwise.
     */
    private static Class<?> confinedType(Query query, String field) {
        for (Query.Condition c : query.conditions()) {
            if (!c.field().equals(field)) continue;
            Predicate p = c.predicate();
            switch (p.op()) {
                case EQ, GT, GTE, LT, LTE, STARTS_WITH -> {
                    return p.value().getClass();
                }
                case IN -> {
                    Class<?> t = p.values().getFirst().getClass();
                    boolean same = true;
                    for (Object v : p.values()) same &= v.getClass() == t;
                    if (same) return t;
                }
                default -> {
                }
            }
        }
        return null;
    }

    /** An array bind value with its SQL element type. */
    record TypedArray(String type, Object[] values) {
    }
}

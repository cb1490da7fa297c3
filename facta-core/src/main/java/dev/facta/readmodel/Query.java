package dev.facta.readmodel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A query over one read-model collection: conditions joined by AND, an order and a page.
 * Immutable; every method returns a new query.
 *
 * <pre>{@code
 * Query q = Query.where("status", eq("pending")).and("total", gte(100))
 *         .orderBy("placedAt", Query.Direction.DESC).limit(20);
 * }</pre>
 *
 * Fields are names of the document's JSON object, with dots for nested objects
 * ({@code "customer.id"}); arrays are not looked into, so a path through an array or a scalar finds
 * nothing. Results are always in a total order: after the given sort keys, by document id ascending
 * (by code point), so paging never repeats or skips a document that did not change.
 *
 * <p>Sorting compares numbers by value and strings by Unicode code point. When a sort field holds
 * values of different types, ascending order puts numbers first, then strings, then booleans (false
 * before true), and descending order reverses that. A document that lacks a sort field, or holds JSON
 * null, an object or an array there, comes after all others in either direction (ordered among its
 * kind by the next sort key, then the id).
 */
public record Query(List<Condition> conditions, List<Sort> sort, int limit, long offset) {

    /** Largest page a query returns. */
    public static final int MAX_LIMIT = 10_000;
    /** Page size when none is given. */
    public static final int DEFAULT_LIMIT = 100;

    private static final Pattern FIELD = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]{0,62}(\\.[A-Za-z_$][A-Za-z0-9_$-]{0,62}){0,7}");

    public enum Direction { ASC, DESC }

    /** One condition: a field and the predicate its value must pass. */
    public record Condition(String field, Predicate predicate) {
        public Condition {
            checkField(field);
            Objects.requireNonNull(predicate, "predicate");
        }

        /** The field's path segments ({@code "customer.id"} is {@code [customer, id]}). */
        public List<String> path() {
            return List.of(field.split("\\."));
        }
    }

    /** One sort key. */
    public record Sort(String field, Direction direction) {
        public Sort {
            checkField(field);
            Objects.requireNonNull(direction, "direction");
        }

        public List<String> path() {
            return List.of(field.split("\\."));
        }
    }

    public Query {
        conditions = List.copyOf(conditions);
        sort = List.copyOf(sort);
        if (limit < 1 || limit > MAX_LIMIT) throw new dev.facta.InvalidInputException("query", "limit must be 1.." + MAX_LIMIT + ": " + limit);
        if (offset < 0) throw new dev.facta.InvalidInputException("query", "offset must not be negative: " + offset);
    }

    /**
     * Field names are letters, digits, '_', '$' and '-', starting with a letter, '_' or '$', joined by
     * dots, at most 8 deep: they end up in SQL, so nothing else is accepted.
     */
    public static void checkField(String field) {
        if (field == null || !FIELD.matcher(field).matches()) {
            throw new dev.facta.InvalidInputException("query", "not a valid document field: " + field);
        }
    }

    /** Every document, by id. */
    public static Query all() {
        return new Query(List.of(), List.of(), DEFAULT_LIMIT, 0);
    }

    public static Query where(String field, Predicate predicate) {
        return all().and(field, predicate);
    }

    public Query and(String field, Predicate predicate) {
        List<Condition> c = new ArrayList<>(conditions);
        c.add(new Condition(field, predicate));
        return new Query(c, sort, limit, offset);
    }

    public Query orderBy(String field) {
        return orderBy(field, Direction.ASC);
    }

    public Query orderBy(String field, Direction direction) {
        List<Sort> s = new ArrayList<>(sort);
        s.add(new Sort(field, direction));
        return new Query(conditions, s, limit, offset);
    }

    public Query limit(int limit) {
        return new Query(conditions, sort, limit, offset);
    }

    public Query offset(long offset) {
        return new Query(conditions, sort, limit, offset);
    }

    /** The query for the page after this one. */
    public Query nextPage() {
        return new Query(conditions, sort, limit, offset + limit);
    }
}

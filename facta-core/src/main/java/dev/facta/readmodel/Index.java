package dev.facta.readmodel;

/**
 * An index a user declares on a document field, so queries that filter or sort on it stay fast as
 * the collection grows. {@link Kind#TEXT} serves string comparisons and {@link Kind#NUMBER}
 * numeric ones.
 *
 * <p>A unique index keeps two documents of the collection from holding the same value of its kind in
 * the field: equal strings for TEXT, numbers equal by value for NUMBER ({@code 1} and {@code 1.0}
 * collide). Documents that lack the field, or hold JSON null or a value of another type there, are not
 * constrained. A write that would break it fails with {@link UniqueViolationException} and changes
 * nothing. Every store enforces unique indexes; the in-memory store has no other use for indexes.
 */
public record Index(String field, Kind kind, boolean unique) {
    public enum Kind { TEXT, NUMBER }

    public Index {
        Query.checkField(field);
        java.util.Objects.requireNonNull(kind, "kind");
    }

    public static Index text(String field) {
        return new Index(field, Kind.TEXT, false);
    }

    public static Index number(String field) {
        return new Index(field, Kind.NUMBER, false);
    }

    public Index asUnique() {
        return new Index(field, kind, true);
    }
}

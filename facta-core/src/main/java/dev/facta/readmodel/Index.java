package dev.facta.readmodel;

/**
 * An index a user declares on a document field, so queries that filter or sort on it stay fast as
 * the collection grows. {@link Kind#TEXT} serves string comparisons and {@link Kind#NUMBER}
 * numeric ones. Stores without indexes (in-memory) accept and ignore declarations.
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

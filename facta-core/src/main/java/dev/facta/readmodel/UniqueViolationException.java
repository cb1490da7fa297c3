package dev.facta.readmodel;

import dev.facta.FactaException;

/**
 * A write was refused because another document of the collection already holds the same value in a
 * field with a unique {@link Index}. Nothing of the refused write was stored.
 */
public class UniqueViolationException extends FactaException {
    private final String collection;
    private final String field;
    private final String id;

    public UniqueViolationException(String collection, String field, String id, String message) {
        super(message);
        this.collection = collection;
        this.field = field;
        this.id = id;
    }

    /** The collection whose unique index refused the write. */
    public String collection() {
        return collection;
    }

    /** The indexed field. */
    public String field() {
        return field;
    }

    /** The id of the document that was refused, or null when not known (e.g. while creating the index). */
    public String id() {
        return id;
    }
}

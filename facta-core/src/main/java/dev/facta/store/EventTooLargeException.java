package dev.facta.store;

import dev.facta.InvalidInputException;

/** An event (data plus metadata) is larger than the store accepts. */
public final class EventTooLargeException extends InvalidInputException {
    private final long size;
    private final long limit;

    public EventTooLargeException(String field, long size, long limit) {
        super(field, field + " is " + size + " bytes, more than the limit of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}

package dev.facta.serialization;

import dev.facta.FactaException;

/** An event type name (or class) that the serializer has no mapping for. */
public final class UnknownEventTypeException extends FactaException {
    private final String type;

    public UnknownEventTypeException(String type, String message) {
        super(message);
        this.type = type;
    }

    /** The type name, or the class name when serializing an unregistered class. */
    public String type() {
        return type;
    }
}

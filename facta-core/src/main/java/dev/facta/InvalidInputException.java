package dev.facta;

/**
 * Input was refused whole before anything was written: a malformed payload, an illegal name,
 * a negative position, an empty batch. {@link #field()} names what was wrong.
 */
public class InvalidInputException extends FactaException {
    private final String field;

    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The part of the input that was refused, e.g. {@code events[2].data}. */
    public String field() {
        return field;
    }
}

package dev.facta;

/** The one unchecked base of every error Facta raises; subclasses carry structured fields. */
public class FactaException extends RuntimeException {
    public FactaException(String message) {
        super(message);
    }

    public FactaException(String message, Throwable cause) {
        super(message, cause);
    }
}

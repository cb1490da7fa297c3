package dev.facta.outbox;

import dev.facta.FactaException;

/**
 * A message was not accepted. {@link Kind} tells the relay what to do: try again until the
 * destination is back ({@link Kind#UNAVAILABLE}), or count the attempt and park the message after the
 * configured number of refusals ({@link Kind#REJECTED}). Any other exception from a publisher counts as
 * {@link Kind#UNAVAILABLE}.
 */
public class PublishException extends FactaException {

    /** Why a message was not accepted. */
    public enum Kind {
        /**
         * The destination could not be reached or did not confirm in time (connection lost, timeout,
         * overload, HTTP 5xx): nothing is wrong with the message. Retried with backoff for as long as it
         * takes; never parks the message.
         */
        UNAVAILABLE,
        /**
         * The destination refused this message (unroutable, too large, HTTP 4xx): retried a bounded
         * number of times, then parked with the messages of its stream behind it.
         */
        REJECTED
    }

    private final Kind kind;

    public PublishException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
    }

    public static PublishException unavailable(String message, Throwable cause) {
        return new PublishException(Kind.UNAVAILABLE, message, cause);
    }

    public static PublishException rejected(String message, Throwable cause) {
        return new PublishException(Kind.REJECTED, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}

package dev.facta.projection;

/**
 * What a projection does with an event that still fails after its last attempt. Either way the
 * event is parked as a {@link DeadLetter} with the error, and the error is recorded on the
 * projection.
 */
public enum OnFailure {
    /** Park the event and go on with the next one: the checkpoint moves past it in the same transaction. */
    SKIP,
    /**
     * Park the event and stop the projection in front of it (the checkpoint stays before it); the
     * segment idles until an operator resumes the projection, which tries the event again, or
     * retries or discards the dead letter.
     */
    STOP
}

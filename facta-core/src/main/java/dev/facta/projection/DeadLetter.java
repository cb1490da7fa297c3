package dev.facta.projection;

import java.time.Instant;
import java.util.UUID;

/**
 * An event a projection failed to apply {@code attempts} times, parked with the last error. The
 * event itself stays in the store; a retry reads it again by {@code position}.
 */
public record DeadLetter(long id, ProjectionKey key, int segment, long position, UUID eventId, String stream,
                         String eventType, int attempts, String error, Instant parkedAt) {
}

package dev.facta.projection;

import java.time.Instant;

/**
 * The right of one owner to process one segment of a projection version until {@code expiresAt}.
 * {@code token} grows by one on every acquisition, so work stamped with an older token is refused
 * (fencing): an owner that stalled past its lease cannot overwrite its successor's progress.
 */
public record Lease(ProjectionKey key, int segment, String owner, long token, Instant expiresAt) {
}

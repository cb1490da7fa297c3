package dev.facta.projection;

import java.time.Instant;
import java.util.List;

/**
 * What the store knows of a projection version, shared by every process that uses the store:
 * its state, its operator flags, its per-segment checkpoints and its last error.
 *
 * @param checkpoints    per segment, the last position handled: every event of the segment at or
 *                       below it was applied (or passed over by the filter); 0 at the start
 * @param stopped        stopped after a failure with the STOP policy, until resumed
 * @param rebuildRequested an operator asked for a rebuild; the owner of segment 0 performs it
 */
public record ProjectionRecord(ProjectionKey key, int segments, ProjectionState state, boolean paused,
                               boolean stopped, boolean rebuildRequested, List<Long> checkpoints,
                               String lastError, Instant lastErrorAt, long parked, Instant updatedAt) {
    public ProjectionRecord {
        checkpoints = List.copyOf(checkpoints);
    }

    /** The lowest checkpoint of its segments: every event at or below it was handled by every segment. */
    public long position() {
        long min = Long.MAX_VALUE;
        for (long c : checkpoints) min = Math.min(min, c);
        return checkpoints.isEmpty() ? 0 : min;
    }
}

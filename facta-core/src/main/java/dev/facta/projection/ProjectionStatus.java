package dev.facta.projection;

import dev.facta.store.AllSlice;
import dev.facta.store.EventStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a projection version stands, as operators see it ({@code facta projection status}, the
 * admin UI): its state and flags, how far behind the head of the log it is, its dead letters and
 * last error, and per segment its checkpoint and current owner. Computed from what the
 * {@link ProjectionStore} and the {@link EventStore} hold, so any process can compute it, with or
 * without a running engine.
 *
 * @param position     the lowest checkpoint of its segments: every event at or below it was handled
 * @param headPosition the position of the last event in the log when the status was taken
 * @param lagEvents    {@code headPosition - position}: how many events of the log some segment has
 *                     not yet passed (including events its filter leaves out)
 * @param lagSeconds   how long ago the first event above {@code position} was recorded; 0 when caught up
 * @param parked       how many dead letters the version has
 * @param lastError    the last failure recorded, kept until a later one replaces it or a rebuild clears it
 * @param segments     one entry per segment, in segment order
 */
public record ProjectionStatus(ProjectionKey key, ProjectionState state, boolean paused, boolean stopped,
                               boolean rebuildRequested, long position, long headPosition, long lagEvents,
                               double lagSeconds, long parked, String lastError, Instant lastErrorAt,
                               List<SegmentStatus> segments) {

    public ProjectionStatus {
        Objects.requireNonNull(key, "key");
        segments = List.copyOf(segments);
    }

    /**
     * One segment of a projection version.
     *
     * @param checkpoint     the last position the segment handled
     * @param owner          the engine instance holding its lease, or null when none does
     * @param leaseExpiresAt when that lease expires unless renewed, or null
     */
    public record SegmentStatus(int segment, long checkpoint, String owner, Instant leaseExpiresAt) {
    }

    /** Whether every segment has handled every event of the log as it was when the status was taken. */
    public boolean caughtUp() {
        return lagEvents == 0;
    }

    /** The status of one version from its record, the event store and its current leases. */
    public static ProjectionStatus of(ProjectionRecord record, EventStore events, List<Lease> leases) {
        return of(record, events, leases, Clock.systemUTC());
    }

    /** As {@link #of(ProjectionRecord, EventStore, List)}, measuring lag against the given clock. */
    public static ProjectionStatus of(ProjectionRecord record, EventStore events, List<Lease> leases, Clock clock) {
        long head = events.headPosition();
        long position = record.position();
        long lag = Math.max(0, head - position);
        double lagSeconds = 0;
        if (lag > 0) {
            AllSlice first = events.readAll(position + 1, 1);
            if (!first.events().isEmpty()) {
                Duration age = Duration.between(first.events().getFirst().recordedAt(), clock.instant());
                lagSeconds = Math.max(0, age.toMillis()) / 1000.0;
            }
        }
        List<SegmentStatus> segments = new ArrayList<>(record.segments());
        for (int s = 0; s < record.segments(); s++) {
            Lease owner = null;
            for (Lease l : leases) {
                if (l.key().equals(record.key()) && l.segment() == s) owner = l;
            }
            long checkpoint = s < record.checkpoints().size() ? record.checkpoints().get(s) : 0;
            segments.add(new SegmentStatus(s, checkpoint, owner == null ? null : owner.owner(),
                    owner == null ? null : owner.expiresAt()));
        }
        return new ProjectionStatus(record.key(), record.state(), record.paused(), record.stopped(),
                record.rebuildRequested(), position, head, lag, lagSeconds, record.parked(), record.lastError(),
                record.lastErrorAt(), segments);
    }

    /** The status of every version the store knows, by name then version. */
    public static List<ProjectionStatus> list(EventStore events, ProjectionStore store) {
        List<ProjectionStatus> out = new ArrayList<>();
        for (ProjectionRecord r : store.list()) out.add(of(r, events, store.leases(r.key())));
        return out;
    }
}

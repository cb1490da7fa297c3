package dev.facta.aggregate.snapshot;

import dev.facta.store.StreamId;

import java.util.Optional;

/**
 * Where snapshots are kept. Snapshots are an optimisation only: losing them costs a full replay,
 * never correctness, so a store may drop them at will.
 */
public interface SnapshotStore {

    void save(Snapshot snapshot);

    /** The snapshot with the highest version at or below {@code maxVersion}. */
    Optional<Snapshot> latest(StreamId stream, long maxVersion);

    default Optional<Snapshot> latest(StreamId stream) {
        return latest(stream, Long.MAX_VALUE);
    }

    /** Deletes all but the {@code keep} newest snapshots of the stream. */
    void prune(StreamId stream, int keep);
}

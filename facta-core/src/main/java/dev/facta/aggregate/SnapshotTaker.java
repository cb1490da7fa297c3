package dev.facta.aggregate;

import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotPolicy;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.store.StreamId;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What both repositories do with snapshots: find the latest one of the current schema version,
 * save and prune, and after an append ask the policy, reading the latest snapshot only when the
 * policy looks at it.
 */
final class SnapshotTaker {
    private static final System.Logger LOG = System.getLogger(SnapshotTaker.class.getName());

    private final SnapshotStore store;
    private final SnapshotPolicy policy;
    private final int schemaVersion;
    private final int keep;
    private final Clock clock;

    SnapshotTaker(SnapshotStore store, SnapshotPolicy policy, int schemaVersion, int keep, Clock clock) {
        this.store = store;
        this.policy = policy;
        this.schemaVersion = schemaVersion;
        this.keep = keep;
        this.clock = clock;
    }

    /** The latest snapshot at or below {@code maxVersion} taken with the current schema version. */
    Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        return store.latest(stream, maxVersion).filter(s -> s.schemaVersion() == schemaVersion);
    }

    Snapshot save(StreamId stream, long version, byte[] state) {
        Snapshot s = new Snapshot(stream, version, schemaVersion, state, clock.instant());
        store.save(s);
        store.prune(stream, keep);
        return s;
    }

    /**
     * Runs after the events are committed, so it must not fail the command: a caller told of an
     * error would retry a command that took effect. Snapshots only speed up loading; a failure
     * is logged and the next policy trigger tries again.
     */
    void afterAppend(StreamId stream, long before, long after, Supplier<byte[]> state) {
        try {
            Optional<Snapshot> last = policy.readsLatestSnapshot() ? store.latest(stream) : Optional.empty();
            if (policy.shouldSnapshot(before, after, last.map(Snapshot::version).orElse(-1L),
                    last.map(Snapshot::takenAt).orElse(null), clock.instant())) {
                save(stream, after, state.get());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "snapshot of " + stream + " at version " + after
                    + " failed; loading replays more events until the next one", e);
        }
    }
}

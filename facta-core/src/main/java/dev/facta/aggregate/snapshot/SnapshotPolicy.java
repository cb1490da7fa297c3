package dev.facta.aggregate.snapshot;

import java.time.Duration;
import java.time.Instant;

/**
 * When a repository takes a snapshot after appending: every N events, when the last one is older
 * than some time, or never (then only on demand, with {@code snapshot(id)}).
 */
@FunctionalInterface
public interface SnapshotPolicy {

    /**
     * @param versionBefore  the aggregate's version before the append
     * @param versionAfter   its version after
     * @param lastSnapshot   the version of the latest snapshot, {@code -1} when there is none
     * @param lastTakenAt    when that snapshot was taken, null when there is none
     * @param now            the current time
     */
    boolean shouldSnapshot(long versionBefore, long versionAfter, long lastSnapshot, Instant lastTakenAt, Instant now);

    /**
     * Whether the decision looks at the latest snapshot ({@code lastSnapshot}, {@code lastTakenAt}).
     * When it does not, repositories skip reading the snapshot store after every append.
     */
    default boolean readsLatestSnapshot() {
        return true;
    }

    static SnapshotPolicy never() {
        return new SnapshotPolicy() {
            @Override
            public boolean shouldSnapshot(long before, long after, long last, Instant at, Instant now) {
                return false;
            }

            @Override
            public boolean readsLatestSnapshot() {
                return false;
            }
        };
    }

    /** Whenever the append crossed a multiple of {@code n} events. */
    static SnapshotPolicy everyEvents(long n) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1");
        return new SnapshotPolicy() {
            @Override
            public boolean shouldSnapshot(long before, long after, long last, Instant at, Instant now) {
                return Math.floorDiv(after + 1, n) > Math.floorDiv(before + 1, n);
            }

            @Override
            public boolean readsLatestSnapshot() {
                return false;
            }
        };
    }

    /** When there is no snapshot yet or the latest is older than {@code age}. */
    static SnapshotPolicy olderThan(Duration age) {
        return (before, after, last, at, now) -> at == null || at.plus(age).isBefore(now);
    }

    default SnapshotPolicy or(SnapshotPolicy other) {
        SnapshotPolicy self = this;
        return new SnapshotPolicy() {
            @Override
            public boolean shouldSnapshot(long b, long a, long l, Instant t, Instant n) {
                return self.shouldSnapshot(b, a, l, t, n) || other.shouldSnapshot(b, a, l, t, n);
            }

            @Override
            public boolean readsLatestSnapshot() {
                return self.readsLatestSnapshot() || other.readsLatestSnapshot();
            }
        };
    }
}

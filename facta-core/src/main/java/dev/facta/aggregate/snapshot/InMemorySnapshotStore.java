package dev.facta.aggregate.snapshot;

import dev.facta.store.StreamId;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Snapshots in this process's memory, by stream and version. */
public final class InMemorySnapshotStore implements SnapshotStore {
    private final Map<StreamId, NavigableMap<Long, Snapshot>> snapshots = new ConcurrentHashMap<>();

    @Override
    public void save(Snapshot snapshot) {
        snapshots.computeIfAbsent(snapshot.stream(), k -> new ConcurrentSkipListMap<>()).put(snapshot.version(), snapshot);
    }

    @Override
    public Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        NavigableMap<Long, Snapshot> byVersion = snapshots.get(stream);
        if (byVersion == null) return Optional.empty();
        Map.Entry<Long, Snapshot> e = byVersion.floorEntry(maxVersion);
        return e == null ? Optional.empty() : Optional.of(e.getValue());
    }

    @Override
    public void prune(StreamId stream, int keep) {
        NavigableMap<Long, Snapshot> byVersion = snapshots.get(stream);
        if (byVersion == null) return;
        while (byVersion.size() > Math.max(keep, 0)) {
            byVersion.pollFirstEntry();
        }
    }
}

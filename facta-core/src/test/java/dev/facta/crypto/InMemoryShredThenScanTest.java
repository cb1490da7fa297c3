package dev.facta.crypto;

import dev.facta.aggregate.snapshot.InMemorySnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.memory.InMemoryEventStore;

import java.util.List;
import java.util.Set;

class InMemoryShredThenScanTest extends ShredThenScanContract {
    @Override
    protected EventStore openEventStore() {
        return new InMemoryEventStore();
    }

    @Override
    protected ProjectionStore projectionStore(EventStore raw) {
        return new InMemoryProjectionStore();
    }

    @Override
    protected SnapshotStore snapshotStore(EventStore raw) {
        return new InMemorySnapshotStore();
    }

    @Override
    protected KeyStore keyStore(EventStore raw) {
        return new InMemoryKeyStore();
    }

    @Override
    protected List<String> findPlaintext(Set<String> needles) {
        return null; // nothing outlives the process
    }
}

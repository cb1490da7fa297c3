package dev.facta.aggregate.snapshot;

class InMemorySnapshotStoreTest extends SnapshotStoreContract {
    @Override
    protected SnapshotStore createStore() {
        return new InMemorySnapshotStore();
    }
}

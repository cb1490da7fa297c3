package dev.facta.projection;

class InMemoryProjectionStoreTest extends ProjectionStoreContract {
    @Override
    protected ProjectionStore newStore() {
        return new InMemoryProjectionStore();
    }

    @Override
    protected ProjectionStore sameDatabase(ProjectionStore store) {
        return store; // one process's memory: the same instance is the same database
    }
}

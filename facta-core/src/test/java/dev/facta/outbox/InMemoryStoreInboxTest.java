package dev.facta.outbox;

import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionStore;

class InMemoryStoreInboxTest extends StoreInboxContract {
    @Override
    protected ProjectionStore newStore() {
        return new InMemoryProjectionStore();
    }

    @Override
    protected void closeStore(ProjectionStore store) {
    }
}

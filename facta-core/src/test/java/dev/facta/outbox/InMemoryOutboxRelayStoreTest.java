package dev.facta.outbox;

import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.memory.InMemoryEventStore;

class InMemoryOutboxRelayStoreTest extends OutboxRelayStoreContract {
    @Override
    protected EventStore newEventStore() {
        return new InMemoryEventStore();
    }

    @Override
    protected ProjectionStore newProjectionStore(EventStore events) {
        return new InMemoryProjectionStore();
    }
}

package dev.facta.store.memory;

import dev.facta.store.EventStore;
import dev.facta.store.EventStoreContract;

class InMemoryEventStoreTest extends EventStoreContract {
    @Override
    protected EventStore createStore() {
        return new InMemoryEventStore();
    }
}

package dev.facta.projection;

import dev.facta.store.EventStore;
import dev.facta.store.memory.InMemoryEventStore;

import java.util.IdentityHashMap;
import java.util.Map;

class InMemoryProjectionEngineTest extends ProjectionEngineContract {
    /** One projection store per in-memory "database" (event store instance). */
    private final Map<EventStore, ProjectionStore> databases = new IdentityHashMap<>();

    @Override
    protected EventStore newEventStore() {
        return new InMemoryEventStore();
    }

    @Override
    protected ProjectionStore newProjectionStore(EventStore events) {
        return databases.computeIfAbsent(events, e -> new InMemoryProjectionStore());
    }
}

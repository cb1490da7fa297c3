package dev.facta.saga;

import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.store.memory.InMemoryEventStore;

/** The saga contract on the in-memory stores: one "database" is one event store with its projection store. */
class InMemorySagaTest extends SagaContract {
    @Override
    protected Db newDatabase() {
        return new Db(new InMemoryEventStore(), new InMemoryProjectionStore(), null);
    }
}

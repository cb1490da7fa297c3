package dev.facta.server;

import dev.facta.store.EventStore;
import dev.facta.store.memory.InMemoryEventStore;

/** The command and query endpoints on the in-memory store. */
class MemoryCommandQueryTest extends CommandQueryContract {
    @Override
    EventStore newStore() {
        return new InMemoryEventStore();
    }
}

package dev.facta.subscription;

import dev.facta.store.EventStore;
import dev.facta.store.memory.InMemoryEventStore;

import java.time.Duration;

class InMemorySubscriptionTest extends SubscriptionContract {
    @Override
    protected EventStore createStore() {
        return new InMemoryEventStore();
    }

    @Override
    protected Duration pollInterval() {
        return Duration.ofSeconds(30); // the in-process signal must do the waking
    }
}

package dev.facta.store.memory;

import dev.facta.store.EventStore;
import dev.facta.store.spi.EventStoreProvider;

/** Opens a fresh {@link InMemoryEventStore} for {@code memory:}. */
public final class InMemoryProvider implements EventStoreProvider {
    @Override
    public boolean supports(String url) {
        return url.equals("memory:") || url.equals("memory") || url.startsWith("memory:");
    }

    @Override
    public EventStore open(String url) {
        return new InMemoryEventStore();
    }

    @Override
    public String schemes() {
        return "memory:";
    }
}

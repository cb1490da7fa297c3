package dev.facta.store.spi;

import dev.facta.store.EventStore;

/**
 * Opens event stores for store URLs it recognises ({@code memory:}, {@code sqlite:PATH},
 * {@code postgresql://...}). Store modules register one through {@link java.util.ServiceLoader}.
 */
public interface EventStoreProvider {

    /** Whether this provider opens stores for the URL. */
    boolean supports(String url);

    /** Opens (and, where the store has a schema, migrates) the store at the URL. */
    EventStore open(String url);

    /** The URL schemes this provider answers, for error messages. */
    String schemes();
}

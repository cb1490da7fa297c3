package dev.facta.store;

import dev.facta.InvalidInputException;
import dev.facta.store.spi.EventStoreProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Opens an event store from a URL, with the store modules found on the class path. */
public final class EventStores {
    private EventStores() {
    }

    /**
     * Opens the store at {@code url}: {@code memory:}, {@code sqlite:PATH},
     * {@code postgresql://user@host:port/db} or a JDBC URL of those.
     */
    public static EventStore open(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidInputException("store", "store URL is empty");
        }
        List<String> known = new ArrayList<>();
        for (EventStoreProvider provider : providers()) {
            if (provider.supports(url)) {
                return provider.open(url);
            }
            known.add(provider.schemes());
        }
        throw new InvalidInputException("store", "no store module on the class path opens '" + redact(url)
                + "'; known: " + String.join(", ", known));
    }

    public static List<EventStoreProvider> providers() {
        List<EventStoreProvider> all = new ArrayList<>();
        ServiceLoader.load(EventStoreProvider.class, EventStores.class.getClassLoader()).forEach(all::add);
        return all;
    }

    /** The URL with any password removed, for messages and logs. */
    public static String redact(String url) {
        return url.replaceAll("(://[^:/@]+):[^@/]*@", "$1:***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}

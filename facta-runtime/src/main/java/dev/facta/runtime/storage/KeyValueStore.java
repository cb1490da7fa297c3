package dev.facta.runtime.storage;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * A backend of the storage API: string values under string keys, grouped by namespace, kept in
 * key order for prefix scans, with an optional time to live. Arguments reach a backend already
 * checked by {@link Storage}; plugins use {@link Storage}, never a backend directly.
 *
 * <p>Implementations are safe for use by many threads; {@code setMany} is all or nothing. An
 * expired entry is never returned, whether or not the backend has purged it yet.
 */
public interface KeyValueStore extends AutoCloseable {

    Optional<String> get(String namespace, String key);

    /** The values of the keys that exist, in the order of {@code keys}. */
    Map<String, String> getMany(String namespace, Collection<String> keys);

    /** @param ttl null for no expiry */
    default void set(String namespace, String key, String value, Duration ttl) {
        setMany(namespace, Map.of(key, value), ttl);
    }

    void setMany(String namespace, Map<String, String> entries, Duration ttl);

    /** @return whether a live entry was removed */
    boolean delete(String namespace, String key);

    /** Up to {@code limit} live entries whose keys start with {@code prefix} and come after {@code after} (null: from the start), in key order. */
    ScanPage scan(String namespace, String prefix, String after, int limit);

    @Override
    void close();
}

package dev.facta.runtime.storage;

import dev.facta.InvalidInputException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The key-value storage of one namespace (a plugin gets the namespace of its id). Every argument is
 * checked here, the same way for every backend: bad input is refused with an
 * {@link InvalidInputException} and changes nothing.
 */
public final class Storage {
    /** Longest key, in characters. */
    public static final int MAX_KEY = 512;
    /** Longest value, in characters. */
    public static final int MAX_VALUE = 1 << 20;
    /** Largest batch and page. */
    public static final int MAX_BATCH = 1000;
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,127}");

    private final KeyValueStore store;
    private final String namespace;

    public Storage(KeyValueStore store, String namespace) {
        if (store == null) throw new InvalidInputException("store", "storage backend must not be null");
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new InvalidInputException("namespace", "namespace must be 1-128 of [a-z0-9_.-], starting with a letter or digit: " + namespace);
        }
        this.store = store;
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }

    public Optional<String> get(String key) {
        return store.get(namespace, checkKey(key, "key"));
    }

    public Map<String, String> getMany(Collection<String> keys) {
        checkBatch(keys == null ? -1 : keys.size(), "keys");
        List<String> checked = new ArrayList<>(keys.size());
        int i = 0;
        for (String k : keys) checked.add(checkKey(k, "keys[" + i++ + "]"));
        return store.getMany(namespace, checked);
    }

    public void set(String key, String value) {
        set(key, value, null);
    }

    /** Stores the value, replacing any other; it disappears after {@code ttl} (null: never). */
    public void set(String key, String value, Duration ttl) {
        store.set(namespace, checkKey(key, "key"), checkValue(value, "value"), checkTtl(ttl));
    }

    public void setMany(Map<String, String> entries) {
        setMany(entries, null);
    }

    /** Stores every entry or none. */
    public void setMany(Map<String, String> entries, Duration ttl) {
        checkBatch(entries == null ? -1 : entries.size(), "entries");
        Map<String, String> checked = new LinkedHashMap<>();
        for (var e : entries.entrySet()) {
            String k = checkKey(e.getKey(), "entries.key");
            checked.put(k, checkValue(e.getValue(), "entries[" + k + "]"));
        }
        store.setMany(namespace, checked, checkTtl(ttl));
    }

    /** @return whether there was a live entry to remove */
    public boolean delete(String key) {
        return store.delete(namespace, checkKey(key, "key"));
    }

    /**
     * One page of the entries whose keys start with {@code prefix} ("" for all), after the cursor
     * {@code after} (null for the first page), at most {@code limit} (1 to {@value #MAX_BATCH}).
     */
    public ScanPage scan(String prefix, String after, int limit) {
        if (prefix == null || prefix.length() > MAX_KEY) {
            throw new InvalidInputException("prefix", "prefix must not be null nor longer than " + MAX_KEY + " characters");
        }
        if (after != null) checkKey(after, "after");
        if (limit < 1 || limit > MAX_BATCH) throw new InvalidInputException("limit", "limit must be 1 to " + MAX_BATCH + ": " + limit);
        return store.scan(namespace, prefix, after, limit);
    }

    /** Every live entry under the prefix, page by page. */
    public List<ScanPage.Entry> scanAll(String prefix) {
        List<ScanPage.Entry> all = new ArrayList<>();
        String after = null;
        do {
            ScanPage page = scan(prefix, after, MAX_BATCH);
            all.addAll(page.entries());
            after = page.next();
        } while (after != null);
        return all;
    }

    private static String checkKey(String key, String field) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
            throw new InvalidInputException(field, "key must be 1 to " + MAX_KEY + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == 0 || Character.isSurrogate(c)) {
                throw new InvalidInputException(field, "key must contain neither NUL nor surrogate characters (index " + i + ")");
            }
        }
        return key;
    }

    private static String checkValue(String value, String field) {
        if (value == null) throw new InvalidInputException(field, "value must not be null (delete the key instead)");
        if (value.length() > MAX_VALUE) throw new InvalidInputException(field, "value is longer than " + MAX_VALUE + " characters");
        return value;
    }

    private static Duration checkTtl(Duration ttl) {
        if (ttl != null && (ttl.isNegative() || ttl.isZero() || ttl.toMillis() == 0)) {
            throw new InvalidInputException("ttl", "time to live must be at least 1 ms: " + ttl);
        }
        return ttl;
    }

    private static void checkBatch(int size, String field) {
        if (size < 0) throw new InvalidInputException(field, field + " must not be null");
        if (size > MAX_BATCH) throw new InvalidInputException(field, "at most " + MAX_BATCH + " per batch: " + size);
    }
}

package dev.facta.runtime.storage.redis;

import dev.facta.FactaException;
import dev.facta.runtime.storage.KeyValueStore;
import dev.facta.runtime.storage.ScanPage;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The storage backend on Redis (Jedis, an optional dependency of facta-runtime). A value lives at
 * {@code <prefix>kv:<namespace>:<key>} with Redis's own expiry; a sorted set
 * {@code <prefix>idx:<namespace>} lists the keys for prefix scans in byte order
 * ({@code ZRANGEBYLEX}). A key whose value expired stays in the index until a scan meets it and
 * removes it; scans never return it.
 */
public final class RedisKeyValueStore implements KeyValueStore {
    private static final byte[] HIGHEST = {(byte) 0xFF}; // no UTF-8 text contains this byte

    private final RedisClient redis;
    private final String prefix;

    private RedisKeyValueStore(RedisClient redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    /**
     * @param uri       e.g. {@code redis://127.0.0.1:6379}
     * @param keyPrefix put before every Redis key, so that several runtimes (or tests) share one server
     */
    public static RedisKeyValueStore open(String uri, String keyPrefix) {
        try {
            RedisClient client = RedisClient.create(java.net.URI.create(uri));
            client.ping();
            return new RedisKeyValueStore(client, keyPrefix == null ? "" : keyPrefix);
        } catch (RuntimeException e) {
            throw new FactaException("cannot reach Redis at " + uri + ": " + e.getMessage(), e);
        }
    }

    private String valueKey(String ns, String key) {
        return prefix + "kv:" + ns + ":" + key;
    }

    private String indexKey(String ns) {
        return prefix + "idx:" + ns;
    }

    private <T> T redis(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (FactaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new FactaException("Redis storage failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> get(String namespace, String key) {
        return redis(() -> Optional.ofNullable(redis.get(valueKey(namespace, key))));
    }

    @Override
    public Map<String, String> getMany(String namespace, Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        List<String> ks = List.copyOf(keys);
        List<String> values = redis(() -> redis.mget(ks.stream().map(k -> valueKey(namespace, k)).toArray(String[]::new)));
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < ks.size(); i++) if (values.get(i) != null) out.put(ks.get(i), values.get(i));
        return out;
    }

    @Override
    public void setMany(String namespace, Map<String, String> entries, Duration ttl) {
        if (entries.isEmpty()) return;
        redis(() -> {
            try (AbstractTransaction tx = redis.multi()) {
                for (var e : entries.entrySet()) {
                    SetParams params = ttl == null ? new SetParams() : new SetParams().px(ttl.toMillis());
                    tx.set(valueKey(namespace, e.getKey()), e.getValue(), params);
                    tx.zadd(indexKey(namespace), 0, e.getKey());
                }
                tx.exec();
            }
            return null;
        });
    }

    @Override
    public boolean delete(String namespace, String key) {
        return redis(() -> {
            try (AbstractTransaction tx = redis.multi()) {
                var deleted = tx.del(valueKey(namespace, key));
                tx.zrem(indexKey(namespace), key);
                tx.exec();
                return deleted.get() > 0;
            }
        });
    }

    @Override
    public ScanPage scan(String namespace, String keyPrefix, String after, int limit) {
        return redis(() -> {
            byte[] index = indexKey(namespace).getBytes(StandardCharsets.UTF_8);
            byte[] max = concat(("[" + keyPrefix).getBytes(StandardCharsets.UTF_8), HIGHEST);
            boolean fromCursor = after != null && after.compareTo(keyPrefix) >= 0;
            String cursor = fromCursor ? "(" + after : "[" + keyPrefix;
            List<ScanPage.Entry> entries = new ArrayList<>();
            while (true) {
                List<byte[]> members = redis.zrangeByLex(index, cursor.getBytes(StandardCharsets.UTF_8), max, 0, limit + 1 - entries.size());
                if (members.isEmpty()) return new ScanPage(entries, null);
                List<String> keys = members.stream().map(m -> new String(m, StandardCharsets.UTF_8)).toList();
                List<String> values = redis.mget(keys.stream().map(k -> valueKey(namespace, k)).toArray(String[]::new));
                List<String> expired = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    if (values.get(i) == null) expired.add(keys.get(i));
                    else entries.add(new ScanPage.Entry(keys.get(i), values.get(i)));
                }
                if (!expired.isEmpty()) redis.zrem(indexKey(namespace), expired.toArray(String[]::new));
                if (entries.size() > limit) {
                    entries.removeLast();
                    return new ScanPage(entries, entries.getLast().key());
                }
                if (expired.isEmpty()) return new ScanPage(entries, null); // fewer than asked: the range is exhausted
                cursor = "(" + keys.getLast();
            }
        });
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Removes every Redis key under this store's prefix (tests). */
    public void deleteAll() {
        redis(() -> {
            for (String k : redis.keys(prefix + "*")) redis.del(k);
            return null;
        });
    }

    @Override
    public void close() {
        redis.close();
    }
}

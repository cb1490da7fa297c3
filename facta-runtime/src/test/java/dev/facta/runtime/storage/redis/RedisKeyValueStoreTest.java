package dev.facta.runtime.storage.redis;

import dev.facta.runtime.storage.KeyValueStore;
import dev.facta.runtime.storage.KeyValueStoreContract;

import java.util.UUID;

/** Runs on the local Redis (127.0.0.1:6379, or FACTA_TEST_REDIS_URL), each test under its own key prefix. */
class RedisKeyValueStoreTest extends KeyValueStoreContract {

    @Override
    protected KeyValueStore open() {
        String url = System.getenv().getOrDefault("FACTA_TEST_REDIS_URL", "redis://127.0.0.1:6379");
        return RedisKeyValueStore.open(url, "facta-test-" + UUID.randomUUID() + ":");
    }

    @Override
    protected void cleanUp(KeyValueStore store) {
        ((RedisKeyValueStore) store).deleteAll();
        store.close();
    }
}

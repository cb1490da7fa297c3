package dev.facta.runtime.storage.postgres;

import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.runtime.storage.KeyValueStore;
import dev.facta.runtime.storage.KeyValueStoreContract;

import java.util.concurrent.ThreadLocalRandom;

class PostgresKeyValueStoreTest extends KeyValueStoreContract {

    @Override
    protected KeyValueStore open() {
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        String url = server.jdbcUrl() + (server.jdbcUrl().contains("?") ? "&" : "?") + "user=" + server.user()
                + (server.password() == null ? "" : "&password=" + server.password());
        String schema = "runtime_kv_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        return PostgresKeyValueStore.open(url, schema);
    }

    @Override
    protected void cleanUp(KeyValueStore store) {
        ((PostgresKeyValueStore) store).dropSchema();
        store.close();
    }
}

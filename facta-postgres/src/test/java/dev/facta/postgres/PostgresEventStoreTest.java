package dev.facta.postgres;

import dev.facta.store.EventStore;
import dev.facta.store.EventStoreContract;

class PostgresEventStoreTest extends EventStoreContract {
    private String schema;

    @Override
    protected EventStore createStore() {
        schema = PostgresTestDatabase.newSchema("facta_contract");
        return PostgresTestDatabase.storeBuilder(schema).build();
    }

    @Override
    protected void destroyStore(EventStore store) {
        store.close();
        PostgresTestDatabase.dropSchema(schema);
    }
}

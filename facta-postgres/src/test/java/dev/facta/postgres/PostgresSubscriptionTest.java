package dev.facta.postgres;

import dev.facta.store.EventStore;
import dev.facta.subscription.SubscriptionContract;

class PostgresSubscriptionTest extends SubscriptionContract {
    private String schema;

    @Override
    protected EventStore createStore() {
        schema = PostgresTestDatabase.newSchema("facta_sub");
        return PostgresTestDatabase.storeBuilder(schema).build();
    }

    @Override
    protected void destroyStore(EventStore store) {
        store.close();
        PostgresTestDatabase.dropSchema(schema);
    }
}

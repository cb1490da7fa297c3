package dev.facta.server;

import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.AfterEach;

class PostgresSubscribeTest extends SubscribeContract {
    private String schema;

    @Override
    EventStore newStore() {
        schema = PostgresTestDatabase.newSchema("facta_sse");
        return PostgresTestDatabase.storeBuilder(schema).poolSize(6).build();
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }
}

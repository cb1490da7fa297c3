package dev.facta.server;

import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.AfterEach;

/** The command and query endpoints on PostgreSQL, each test in its own schema. */
class PostgresCommandQueryTest extends CommandQueryContract {
    private String schema;

    @Override
    EventStore newStore() {
        schema = PostgresTestDatabase.newSchema("facta_cmd");
        return PostgresTestDatabase.storeBuilder(schema).poolSize(4).build();
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }
}

package dev.facta.server;

import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.AfterEach;

/** The HTTP API's contract on PostgreSQL, each test in its own schema. */
class PostgresHttpApiTest extends HttpApiContract {
    private String schema;

    @Override
    EventStore newStore() {
        schema = PostgresTestDatabase.newSchema("facta_http");
        return PostgresTestDatabase.storeBuilder(schema).poolSize(4).limits(LIMITS).build();
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }
}

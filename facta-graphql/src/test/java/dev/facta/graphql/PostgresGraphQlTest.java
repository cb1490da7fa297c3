package dev.facta.graphql;

import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;

/** GraphQL queries and subscriptions over PostgreSQL (jsonb read models), each test in its own schema. */
class PostgresGraphQlTest extends GraphQlContract {
    private String schema;

    @Override
    EventStore openEvents() {
        schema = PostgresTestDatabase.newSchema("facta_graphql");
        return PostgresTestDatabase.storeBuilder(schema).poolSize(4).build();
    }

    @Override
    ProjectionStore projectionsOf(EventStore events) {
        return PostgresProjectionStore.on((PostgresEventStore) events);
    }

    @Override
    void cleanUp() {
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }
}

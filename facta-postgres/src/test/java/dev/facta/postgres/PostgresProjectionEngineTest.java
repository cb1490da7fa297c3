package dev.facta.postgres;

import dev.facta.projection.ProjectionEngineContract;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;

/**
 * The projection engine contract on PostgreSQL: events, read models, checkpoints and leases in one
 * schema; each "process" has its own event store and pool, so engines really meet only in the database.
 */
class PostgresProjectionEngineTest extends ProjectionEngineContract {

    private String schema;

    @Override
    protected EventStore newEventStore() {
        schema = PostgresTestDatabase.newSchema("facta_engine");
        return PostgresTestDatabase.storeBuilder(schema).poolSize(8).build();
    }

    @Override
    protected EventStore anotherEventStore(EventStore events) {
        return PostgresTestDatabase.storeBuilder(schema).poolSize(8).build();
    }

    @Override
    protected ProjectionStore newProjectionStore(EventStore events) {
        return PostgresProjectionStore.on((PostgresEventStore) events);
    }

    @Override
    protected void dropDatabase() {
        PostgresTestDatabase.dropSchema(schema);
    }
}

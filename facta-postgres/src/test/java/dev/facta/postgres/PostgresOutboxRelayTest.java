package dev.facta.postgres;

import dev.facta.outbox.OutboxRelayStoreContract;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;

/** The outbox relay on PostgreSQL: parked messages as jsonb documents, releases locking the segment's checkpoint row. */
class PostgresOutboxRelayTest extends OutboxRelayStoreContract {

    private String schema;

    @Override
    protected EventStore newEventStore() {
        schema = PostgresTestDatabase.newSchema("facta_outbox");
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

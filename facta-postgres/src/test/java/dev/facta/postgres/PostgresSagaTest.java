package dev.facta.postgres;

import dev.facta.saga.SagaContract;

/**
 * The saga contract on PostgreSQL: each database is a schema of its own; "another process" has its
 * own event store and connection pool on the schema, so runtimes meet only in the database, where
 * concurrent transactions on one instance really overlap (READ COMMITTED).
 */
class PostgresSagaTest extends SagaContract {

    @Override
    protected Db newDatabase() {
        String schema = PostgresTestDatabase.newSchema("facta_saga");
        PostgresEventStore events = PostgresTestDatabase.storeBuilder(schema).poolSize(8).build();
        return new Db(events, PostgresProjectionStore.on(events), schema);
    }

    @Override
    protected Db anotherProcess(Db db) {
        PostgresEventStore events = PostgresTestDatabase.storeBuilder((String) db.location()).poolSize(8).build();
        return new Db(events, PostgresProjectionStore.on(events), db.location());
    }

    @Override
    protected void drop(Db db) {
        PostgresTestDatabase.dropSchema((String) db.location());
    }
}

package dev.facta.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.facta.outbox.StoreInboxContract;
import dev.facta.projection.ProjectionStore;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The inbox contract on PostgreSQL: each store handle has a pool of its own, as separate processes
 * would, on a fresh schema per test; racing deliveries of one id meet on the unique index.
 */
class PostgresStoreInboxTest extends StoreInboxContract {

    private final Map<ProjectionStore, HikariDataSource> pools = new IdentityHashMap<>();
    private String schema;

    @Override
    protected ProjectionStore newStore() {
        schema = PostgresTestDatabase.newSchema("facta_inbox");
        HikariDataSource pool = TestPools.pool("inbox", 6);
        new PostgresMigrations(pool, schema).up();
        PostgresProjectionStore s = new PostgresProjectionStore(pool, schema);
        pools.put(s, pool);
        return s;
    }

    @Override
    protected ProjectionStore sameDatabase(ProjectionStore store) {
        HikariDataSource pool = TestPools.pool("inbox-other", 6);
        PostgresProjectionStore s = new PostgresProjectionStore(pool, schema);
        pools.put(s, pool);
        return s;
    }

    @Override
    protected void closeStore(ProjectionStore store) {
        HikariDataSource pool = pools.remove(store);
        if (pool != null) pool.close();
        if (pools.isEmpty()) PostgresTestDatabase.dropSchema(schema);
    }
}

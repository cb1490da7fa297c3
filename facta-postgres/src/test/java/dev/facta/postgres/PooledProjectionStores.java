package dev.facta.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.facta.projection.ProjectionStore;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Projection stores for contract tests: a fresh migrated schema per test, each store with a pool of
 * its own (as separate processes would have); the schema is dropped when the last store closes.
 */
final class PooledProjectionStores {
    private final String name;
    private final Map<ProjectionStore, HikariDataSource> pools = new IdentityHashMap<>();
    private String schema;

    /** @param name names the schemas ({@code facta_<name>_...}) and the pools */
    PooledProjectionStores(String name) {
        this.name = name;
    }

    /** A store on a new, migrated schema. */
    PostgresProjectionStore fresh() {
        schema = PostgresTestDatabase.newSchema("facta_" + name);
        HikariDataSource pool = TestPools.pool(name, 6);
        new PostgresMigrations(pool, schema).up();
        return track(new PostgresProjectionStore(pool, schema), pool);
    }

    /** Another store, with its own pool, on the schema of the last {@link #fresh()} one. */
    PostgresProjectionStore another() {
        HikariDataSource pool = TestPools.pool(name + "-other", 6);
        return track(new PostgresProjectionStore(pool, schema), pool);
    }

    String schema() {
        return schema;
    }

    void close(ProjectionStore store) {
        HikariDataSource pool = pools.remove(store);
        if (pool != null) pool.close();
        if (pools.isEmpty()) PostgresTestDatabase.dropSchema(schema);
    }

    private PostgresProjectionStore track(PostgresProjectionStore store, HikariDataSource pool) {
        pools.put(store, pool);
        return store;
    }
}

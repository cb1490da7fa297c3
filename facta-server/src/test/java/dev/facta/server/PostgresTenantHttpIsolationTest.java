package dev.facta.server;

import dev.facta.postgres.PostgresMultiTenantStore;
import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.tenancy.MultiTenantStore;
import org.junit.jupiter.api.Nested;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The tenant-isolation contract of the HTTP API on PostgreSQL, under each strategy there is: a
 * schema per tenant, a database per tenant, and shared tables under row-level security (each test
 * with its own registry, name prefix and shared schema, dropped afterwards).
 */
class PostgresTenantHttpIsolationTest {

    abstract static class OnPostgres extends TenantHttpIsolationContract {
        private final String registry = "facta_http_reg_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        private final String prefix = "fh" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL) + "_";

        final String shared = prefix + "shared";

        abstract PostgresMultiTenantStore.Strategy strategy();

        @Override
        MultiTenantStore newTenants() {
            PostgresTestDatabase.Server s = PostgresTestDatabase.server();
            PostgresMultiTenantStore.Builder b = PostgresMultiTenantStore.builder(strategy()).jdbcUrl(s.jdbcUrl())
                    .prefix(prefix).registrySchema(registry).sharedSchema(shared).poolSize(2);
            if (s.user() != null) b.user(s.user());
            if (s.password() != null) b.password(s.password());
            return b.build();
        }

        @Override
        void cleanUp(MultiTenantStore store) {
            try {
                for (String t : store.tenants()) store.drop(t);
            } finally {
                PostgresTestDatabase.dropSchema(registry);
                PostgresTestDatabase.dropSchema(shared);
            }
        }
    }

    @Nested
    class SchemaPerTenant extends OnPostgres {
        @Override
        PostgresMultiTenantStore.Strategy strategy() {
            return PostgresMultiTenantStore.Strategy.SCHEMA_PER_TENANT;
        }
    }

    @Nested
    class DatabasePerTenant extends OnPostgres {
        @Override
        PostgresMultiTenantStore.Strategy strategy() {
            return PostgresMultiTenantStore.Strategy.DATABASE_PER_TENANT;
        }
    }

    @Nested
    class SharedTables extends OnPostgres {
        @Override
        PostgresMultiTenantStore.Strategy strategy() {
            return PostgresMultiTenantStore.Strategy.SHARED_TABLES;
        }
    }
}

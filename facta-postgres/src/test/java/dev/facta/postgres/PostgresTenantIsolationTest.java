package dev.facta.postgres;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.tenancy.MultiTenantStore;
import dev.facta.tenancy.TenantIsolationContract;
import dev.facta.tenancy.UnknownTenantException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The isolation contract on PostgreSQL, a schema per tenant and a database per tenant. */
class PostgresTenantIsolationTest {

    private static String unique(String prefix) {
        return prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL) + "_";
    }

    static PostgresMultiTenantStore.Builder builder(PostgresMultiTenantStore.Strategy strategy, String prefix, String registry) {
        PostgresTestDatabase.Server s = PostgresTestDatabase.server();
        PostgresMultiTenantStore.Builder b = PostgresMultiTenantStore.builder(strategy).jdbcUrl(s.jdbcUrl())
                .prefix(prefix).registrySchema(registry);
        if (s.user() != null) b.user(s.user());
        if (s.password() != null) b.password(s.password());
        return b;
    }

    static boolean exists(String sql, String name) throws Exception {
        try (Connection c = PostgresTestDatabase.server().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    abstract static class OnPostgres extends TenantIsolationContract {
        final String registry = unique("facta_reg_").replaceAll("_$", "");
        final String prefix = unique("ft");

        abstract PostgresMultiTenantStore.Strategy strategy();

        abstract String existsSql();

        @Override
        protected MultiTenantStore newMultiTenantStore() {
            return builder(strategy(), prefix, registry).build();
        }

        @Override
        protected void cleanUp(MultiTenantStore store) {
            PostgresTestDatabase.dropSchema(registry);
        }

        @Test
        void dropping_a_tenant_removes_its_storage_and_leaves_the_other() throws Exception {
            PostgresMultiTenantStore store = (PostgresMultiTenantStore) tenants;
            store.forTenant(A).events().append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("Placed", "{}"));
            store.forTenant(B).events().append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("Placed", "{}"));
            assertThat(exists(existsSql(), store.locationOf(A))).isTrue();
            store.drop(A);
            assertThat(exists(existsSql(), store.locationOf(A))).isFalse();
            assertThat(exists(existsSql(), store.locationOf(B))).isTrue();
            assertThat(store.tenants()).containsExactly(B);
        }

        @Test
        void a_second_instance_sees_the_same_tenants_and_data() {
            tenants.forTenant(A).events().append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("Placed", "{}"));
            try (PostgresMultiTenantStore other = builder(strategy(), prefix, registry).provisionOnUse(false).build()) {
                assertThat(other.tenants()).containsExactly(A);
                assertThat(other.forTenant(A).events().readStream(StreamId.of("order-1"))).hasSize(1);
                assertThatThrownBy(() -> other.forTenant(B)).isInstanceOf(UnknownTenantException.class);
            }
        }

        @Test
        void two_ids_that_would_share_a_schema_or_database_are_refused() {
            tenants.forTenant("east-1");
            assertThatThrownBy(() -> tenants.forTenant("east_1")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("east-1");
            assertThat(tenants.tenants()).containsExactly("east-1");
        }
    }

    @Nested
    class SchemaPerTenant extends OnPostgres {
        @Override
        PostgresMultiTenantStore.Strategy strategy() {
            return PostgresMultiTenantStore.Strategy.SCHEMA_PER_TENANT;
        }

        @Override
        String existsSql() {
            return "SELECT 1 FROM pg_namespace WHERE nspname = ?";
        }
    }

    @Nested
    class DatabasePerTenant extends OnPostgres {
        @Override
        PostgresMultiTenantStore.Strategy strategy() {
            return PostgresMultiTenantStore.Strategy.DATABASE_PER_TENANT;
        }

        @Override
        String existsSql() {
            return "SELECT 1 FROM pg_database WHERE datname = ?";
        }
    }
}

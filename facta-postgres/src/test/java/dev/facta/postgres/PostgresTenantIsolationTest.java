package dev.facta.postgres;

import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.UniqueViolationException;
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
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The isolation contract on PostgreSQL: a schema per tenant, a database per tenant, and shared tables under row-level security. */
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

    @Nested
    class SharedTables extends OnPostgres {
        final String shared = prefix + "shared";

        @Override
        PostgresMultiTenantStore.Strategy strategy() {
            return PostgresMultiTenantStore.Strategy.SHARED_TABLES;
        }

        @Override
        protected MultiTenantStore newMultiTenantStore() {
            return builder(strategy(), prefix, registry).sharedSchema(shared).build();
        }

        @Override
        protected void cleanUp(MultiTenantStore store) {
            super.cleanUp(store);
            PostgresTestDatabase.dropSchema(shared);
        }

        @Override
        String existsSql() {
            // the tenant's own head of the log: present from provisioning until the tenant is dropped
            return "SELECT 1 FROM " + shared + ".facta_log_head WHERE tenant_id = split_part(?, '/', 2)";
        }

        @Override
        @Test
        void a_second_instance_sees_the_same_tenants_and_data() {
            tenants.forTenant(A).events().append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("Placed", "{}"));
            try (PostgresMultiTenantStore other = builder(strategy(), prefix, registry).sharedSchema(shared)
                    .provisionOnUse(false).build()) {
                assertThat(other.tenants()).containsExactly(A);
                assertThat(other.forTenant(A).events().readStream(StreamId.of("order-1"))).hasSize(1);
                assertThatThrownBy(() -> other.forTenant(B)).isInstanceOf(UnknownTenantException.class);
            }
        }

        @Override
        @Test
        void two_ids_that_would_share_a_schema_or_database_are_refused() {
            // rows carry the id itself: ids that differ only in '-' and '_' are two tenants
            tenants.forTenant("east-1").events().append(StreamId.of("s-1"), ExpectedVersion.noStream(), EventData.of("E", "{}"));
            tenants.forTenant("east_1").events().append(StreamId.of("s-1"), ExpectedVersion.noStream(), EventData.of("E", "{}"));
            assertThat(tenants.tenants()).containsExactly("east-1", "east_1");
            assertThat(tenants.forTenant("east_1").events().headPosition()).isEqualTo(1);
        }

        /** A connection as the tenants' role, working for {@code tenant} (null: for none). */
        private Connection asTenant(String tenant) throws SQLException {
            Connection c = PostgresTestDatabase.server().connect();
            try (Statement st = c.createStatement()) {
                if (tenant != null) st.execute("SELECT set_config('facta.tenant', '" + tenant + "', false)");
                st.execute("SET ROLE facta_tenant");
            }
            return c;
        }

        private long count(Connection c, String sql) throws SQLException {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Test
        void the_database_itself_keeps_tenants_apart_whatever_the_sql() throws Exception {
            tenants.forTenant(A).events().append(StreamId.of("order-1"), ExpectedVersion.noStream(),
                    EventData.of("Placed", "{\"who\":\"a\"}"), EventData.of("Paid", "{}"));
            tenants.forTenant(B).events().append(StreamId.of("order-1"), ExpectedVersion.noStream(),
                    EventData.of("Placed", "{\"who\":\"b\"}"));
            try (Connection a = asTenant(A)) {
                // no WHERE clause: row-level security alone limits what the tenant's role sees and changes
                assertThat(count(a, "SELECT count(*) FROM " + shared + ".facta_events")).isEqualTo(2);
                assertThat(count(a, "SELECT count(*) FROM " + shared + ".facta_streams")).isEqualTo(1);
                try (Statement st = a.createStatement()) {
                    assertThat(st.executeUpdate("UPDATE " + shared + ".facta_events SET type = 'X'")).isEqualTo(2);
                    assertThat(st.executeUpdate("DELETE FROM " + shared + ".facta_log_head WHERE tenant_id = '" + B + "'")).isZero();
                    assertThatThrownBy(() -> st.execute("INSERT INTO " + shared + ".facta_idempotency_keys"
                            + " (tenant_id, key, state, expires_at) VALUES ('" + B + "', 'k', 'done', now())"))
                            .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
                }
            }
            try (Connection none = asTenant(null)) {
                assertThat(count(none, "SELECT count(*) FROM " + shared + ".facta_events")).isZero();
                try (Statement st = none.createStatement()) {
                    assertThatThrownBy(() -> st.execute("INSERT INTO " + shared + ".facta_idempotency_keys"
                            + " (key, state, expires_at) VALUES ('k', 'done', now())")).isInstanceOf(SQLException.class);
                }
            }
            assertThat(tenants.forTenant(B).events().readStream(StreamId.of("order-1")))
                    .extracting(e -> e.type()).containsExactly("Placed");
            // and the stores' own connections are subject to it: the tenant's role, with its setting
            dev.facta.store.EventStore store = tenants.forTenant(B).events();
            while (store instanceof dev.facta.store.ForwardingEventStore f) store = f.underlying();
            try (Connection c = ((PostgresEventStore) store).dataSource().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_user, current_setting('facta.tenant'), rolsuper OR rolbypassrls"
                         + " FROM pg_roles WHERE rolname = current_user")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("facta_tenant");
                assertThat(rs.getString(2)).isEqualTo(B);
                assertThat(rs.getBoolean(3)).isFalse();
            }
        }

        @Test
        void unique_read_model_indexes_bind_within_a_tenant() {
            for (String t : new String[]{A, B}) {
                tenants.forTenant(t).projections().readModels().createIndex("customers", Index.text("email").asUnique());
                DocumentCollection<String> customers = tenants.forTenant(t).projections().readModels()
                        .collection("customers", DocumentCodec.json());
                customers.put("c-1", "{\"email\":\"ann@example.com\"}");
            }
            DocumentCollection<String> inA = tenants.forTenant(A).projections().readModels().collection("customers", DocumentCodec.json());
            assertThatThrownBy(() -> inA.put("c-2", "{\"email\":\"ann@example.com\"}")).isInstanceOf(UniqueViolationException.class);
            tenants.forTenant(A).projections().readModels().dropCollection("customers");
            assertThat(tenants.forTenant(A).projections().readModels().collections()).doesNotContain("customers");
            assertThat(tenants.forTenant(B).projections().readModels().collections()).contains("customers");
            assertThat(tenants.forTenant(B).projections().readModels().collection("customers", DocumentCodec.json()).get("c-1"))
                    .isPresent();
        }
    }
}

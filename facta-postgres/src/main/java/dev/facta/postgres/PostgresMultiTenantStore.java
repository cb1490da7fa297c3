package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.store.EventStores;
import dev.facta.tenancy.AbstractMultiTenantStore;
import dev.facta.tenancy.TenantStore;
import dev.facta.tenancy.Tenants;

import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tenants on PostgreSQL, in one of three layouts. With a complete set of Facta tables of its own: in a
 * schema per tenant of one database ({@link Strategy#SCHEMA_PER_TENANT}), or in a database per tenant on
 * one server ({@link Strategy#DATABASE_PER_TENANT}), which also spreads tenants over servers later. A
 * tenant's event store, projection store (checkpoints, leases, dead letters, saga state, read
 * models), snapshots, data keys and idempotency keys all live there, so no query of one tenant can
 * reach another's rows, and dropping a tenant is one {@code DROP SCHEMA} or {@code DROP DATABASE}.
 * Or all tenants in one set of tables ({@link Strategy#SHARED_TABLES}, in the schema
 * {@link Builder#sharedSchema}), each row stamped with its tenant and row-level security letting a
 * tenant's connections see and write only its own rows (see {@link PostgresRowSecurity}); this
 * scales to many small tenants, and dropping a tenant deletes its rows.
 *
 * <p>A registry table ({@code facta_tenancy.facta_tenants} in the database of the configured URL)
 * records each tenant with where it lives, so every instance of the application sees the same
 * tenants, two tenants can never be given the same schema or database, and an id is found again
 * however it was spelled in the name. Each open tenant has a connection pool of its own (a few
 * connections, closed while idle).
 */
public final class PostgresMultiTenantStore extends AbstractMultiTenantStore {

    /** Where a tenant's tables live. */
    public enum Strategy {
        /** A schema per tenant in the database of the URL. */
        SCHEMA_PER_TENANT,
        /** A database per tenant on the server of the URL. */
        DATABASE_PER_TENANT,
        /** One set of tables in the database of the URL, shared by every tenant under row-level security. */
        SHARED_TABLES
    }

    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(\\?.*)?$");
    private final Builder config;
    private final String registry;

    private PostgresMultiTenantStore(Builder b) {
        super(b.provisionOnUse);
        this.config = b;
        this.registry = PostgresMigrations.quote(b.registrySchema) + ".facta_tenants";
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + REGISTRY_LOCK + ")");
            try {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + PostgresMigrations.quote(b.registrySchema));
                st.execute("CREATE TABLE IF NOT EXISTS " + registry + " (strategy text NOT NULL,"
                        + " tenant text COLLATE \"C\" NOT NULL, location text NOT NULL,"
                        + " created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (strategy, tenant),"
                        + " UNIQUE (strategy, location))");
                if (b.strategy == Strategy.SHARED_TABLES) {
                    new PostgresMigrations(migrationSource(null), b.sharedSchema).up();
                    PostgresRowSecurity.share(c, b.sharedSchema, b.role);
                }
            } finally {
                st.execute("SELECT pg_advisory_unlock(" + REGISTRY_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new FactaException("cannot open the tenant registry at " + EventStores.redact(b.jdbcUrl) + ": "
                    + e.getMessage(), e);
        }
    }

    /** Advisory lock key of registry changes: "ftn1" as ASCII. */
    private static final long REGISTRY_LOCK = 0x66746e31L;

    public static Builder builder(Strategy strategy) {
        return new Builder(strategy);
    }

    /** Settings of a {@link PostgresMultiTenantStore}. */
    public static final class Builder {
        private final Strategy strategy;
        private String jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/postgres";
        private String user;
        private String password;
        private String prefix = "tenant_";
        private String registrySchema = "facta_tenancy";
        private int poolSize = 4;
        private boolean provisionOnUse = true;
        private String sharedSchema = "facta_shared";
        private String role = "facta_tenant";

        private Builder(Strategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
        }

        /** The database holding the registry (and, schema per tenant, the tenants' schemas). */
        public Builder jdbcUrl(String url) {
            if (url == null || !URL.matcher(url).matches()) {
                throw new InvalidInputException("jdbcUrl", "expected jdbc:postgresql://host:port/database, got "
                        + (url == null ? "none" : EventStores.redact(url)));
            }
            this.jdbcUrl = url;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** How tenants' schemas or databases are named: prefix + tenant id ('-' becomes '_'); default {@code tenant_}. */
        public Builder prefix(String prefix) {
            if (prefix == null || !prefix.matches("[a-z_][a-z0-9_]{0,20}")) {
                throw new InvalidInputException("prefix", "a prefix is 1-21 characters of a-z, 0-9 and '_', not starting"
                        + " with a digit; got " + prefix);
            }
            this.prefix = prefix;
            return this;
        }

        /** The schema of the registry table (default {@code facta_tenancy}). */
        public Builder registrySchema(String schema) {
            this.registrySchema = PostgresReadModelStore.checkSchema(schema);
            return this;
        }

        /** The schema of the tables tenants share ({@link Strategy#SHARED_TABLES}); default {@code facta_shared}. */
        public Builder sharedSchema(String schema) {
            this.sharedSchema = PostgresReadModelStore.checkSchema(schema);
            return this;
        }

        /**
         * The role tenants' connections run as with {@link Strategy#SHARED_TABLES} (default
         * {@code facta_tenant}): created when missing, it must not be a superuser or bypass row-level
         * security, and the configured user must be allowed to create it or be a member of it.
         */
        public Builder rowSecurityRole(String role) {
            try {
                this.role = PostgresRowSecurity.checkRole(role);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("role", e.getMessage());
            }
            return this;
        }

        /** Connections per open tenant (default 4), closed while idle. */
        public Builder poolSize(int n) {
            this.poolSize = Math.max(2, n);
            return this;
        }

        /** Whether {@link #forTenant} provisions unknown tenants (default true) or refuses them. */
        public Builder provisionOnUse(boolean b) {
            this.provisionOnUse = b;
            return this;
        }

        public PostgresMultiTenantStore build() {
            return new PostgresMultiTenantStore(this);
        }
    }

    /** The schema or database name of the tenant; for shared tables, the shared schema and the tenant id. */
    public String locationOf(String tenant) {
        if (config.strategy == Strategy.SHARED_TABLES) return config.sharedSchema + "/" + Tenants.require(tenant);
        return config.prefix + Tenants.require(tenant).replace('-', '_');
    }

    public Strategy strategy() {
        return config.strategy;
    }

    private Connection admin() throws SQLException {
        return connect(config.jdbcUrl);
    }

    private Connection connect(String url) throws SQLException {
        Properties p = new Properties();
        if (config.user != null) p.setProperty("user", config.user);
        if (config.password != null) p.setProperty("password", config.password);
        return DriverManager.getConnection(url, p);
    }

    private String databaseUrl(String database) {
        Matcher m = URL.matcher(config.jdbcUrl);
        if (!m.matches()) throw new IllegalStateException("checked by the builder");
        return m.group(1) + database + (m.group(3) == null ? "" : m.group(3));
    }

    @Override
    protected boolean exists(String tenant) {
        try (Connection c = admin()) {
            return registered(c, tenant);
        } catch (SQLException e) {
            throw failure("looking up the tenant", tenant, e);
        }
    }

    private boolean registered(Connection c, String tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + registry + " WHERE strategy = ? AND tenant = ?")) {
            ps.setString(1, config.strategy.name());
            ps.setString(2, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    protected void create(String tenant) {
        String location = locationOf(tenant);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + REGISTRY_LOCK + ")");
            try {
                if (registered(c, tenant)) return; // another instance won the race
                try (PreparedStatement ps = c.prepareStatement("SELECT tenant FROM " + registry
                        + " WHERE strategy = ? AND location = ?")) {
                    ps.setString(1, config.strategy.name());
                    ps.setString(2, location);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            throw new InvalidInputException("tenant", "tenant '" + tenant + "' would live in " + location
                                    + ", which belongs to tenant '" + rs.getString(1) + "'");
                        }
                    }
                }
                if (config.strategy == Strategy.DATABASE_PER_TENANT) createDatabase(st, location);
                // the tables first, the registry row last: a tenant is listed only once it is usable
                if (config.strategy == Strategy.SHARED_TABLES) {
                    startLog(c, tenant);
                } else {
                    new PostgresMigrations(migrationSource(tenant), schemaOf(tenant)).up();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + registry
                        + " (tenant, strategy, location) VALUES (?, ?, ?)")) {
                    ps.setString(1, tenant);
                    ps.setString(2, config.strategy.name());
                    ps.setString(3, location);
                    ps.executeUpdate();
                }
            } finally {
                st.execute("SELECT pg_advisory_unlock(" + REGISTRY_LOCK + ")");
            }
        } catch (SQLException e) {
            throw failure("provisioning", tenant, e);
        }
    }

    /** The tenant's own head of the global log in the shared tables (left over from a stopped provisioning: kept). */
    private void startLog(Connection c, String tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + PostgresMigrations.quote(config.sharedSchema)
                + ".facta_log_head (" + PostgresRowSecurity.TENANT_COLUMN + ", id, position, epoch) VALUES (?, 1, 0, 0)"
                + " ON CONFLICT DO NOTHING")) {
            ps.setString(1, tenant);
            ps.executeUpdate();
        }
    }

    private static void createDatabase(Statement st, String database) throws SQLException {
        try {
            st.execute("CREATE DATABASE " + PostgresMigrations.quote(database));
        } catch (SQLException e) {
            // 42P04: left over from a provisioning that stopped before registering it; reuse it
            if (!"42P04".equals(e.getSQLState())) throw e;
        }
    }

    /** The JDBC URL of the database holding the tenant's tables (null: the shared tables). */
    private String urlOf(String tenant) {
        return config.strategy == Strategy.DATABASE_PER_TENANT ? databaseUrl(locationOf(tenant)) : config.jdbcUrl;
    }

    /** The schema of the tenant's tables in that database. */
    private String schemaOf(String tenant) {
        return switch (config.strategy) {
            case SCHEMA_PER_TENANT -> locationOf(tenant);
            case DATABASE_PER_TENANT -> "public";
            case SHARED_TABLES -> config.sharedSchema;
        };
    }

    /** Unpooled connections to the tenant's database (null: the shared tables'), for migrating it. */
    private DataSource migrationSource(String tenant) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(tenant == null ? config.jdbcUrl : urlOf(tenant));
        if (config.user != null) ds.setUser(config.user);
        if (config.password != null) ds.setPassword(config.password);
        return ds;
    }

    private PostgresEventStore.Builder eventStoreBuilder(String tenant) {
        PostgresEventStore.Builder b = PostgresEventStore.builder().jdbcUrl(urlOf(tenant)).schema(schemaOf(tenant));
        if (config.strategy == Strategy.SHARED_TABLES) b.tenant(tenant, config.role);
        if (config.user != null) b.user(config.user);
        if (config.password != null) b.password(config.password);
        return b;
    }

    @Override
    protected Opened open(String tenant) {
        PostgresEventStore events = eventStoreBuilder(tenant).poolSize(config.poolSize).minimumIdle(1).build();
        TenantStore store = tenantStore(tenant, events, PostgresProjectionStore.on(events), PostgresSnapshotStore.of(events),
                PostgresKeyStore.of(events), codec -> new PostgresIdempotencyStore(events, codec));
        return new Opened(store, events::close);
    }

    @Override
    protected List<String> listTenants() {
        List<String> out = new ArrayList<>();
        try (Connection c = admin(); PreparedStatement ps = c.prepareStatement(
                "SELECT tenant FROM " + registry + " WHERE strategy = ? ORDER BY tenant")) {
            ps.setString(1, config.strategy.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new FactaException("listing tenants failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    protected void destroy(String tenant) {
        String location = locationOf(tenant);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            if (config.strategy == Strategy.SHARED_TABLES) {
                // the registry row and every row of the tenant go together
                c.setAutoCommit(false);
                deleteRows(c, tenant);
                unregister(c, tenant);
                c.commit();
            } else if (config.strategy == Strategy.SCHEMA_PER_TENANT) {
                // DDL is transactional: the schema and the registry row go together
                c.setAutoCommit(false);
                st.execute("DROP SCHEMA IF EXISTS " + PostgresMigrations.quote(location) + " CASCADE");
                unregister(c, tenant);
                c.commit();
            } else {
                // DROP DATABASE cannot run in a transaction: the database first, so a tenant is never
                // unregistered while its data remains
                st.execute("DROP DATABASE IF EXISTS " + PostgresMigrations.quote(location) + " WITH (FORCE)");
                unregister(c, tenant);
            }
        } catch (SQLException e) {
            throw failure("dropping", tenant, e);
        }
    }

    /** Deletes the tenant's rows from every shared table, read models' included. */
    private void deleteRows(Connection c, String tenant) throws SQLException {
        for (String table : PostgresRowSecurity.tables(c, config.sharedSchema, true)) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + PostgresMigrations.quote(config.sharedSchema) + "."
                    + PostgresMigrations.quote(table) + " WHERE " + PostgresRowSecurity.TENANT_COLUMN + " = ?")) {
                ps.setString(1, tenant);
                ps.executeUpdate();
            }
        }
    }

    private void unregister(Connection c, String tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + registry + " WHERE tenant = ? AND strategy = ?")) {
            ps.setString(1, tenant);
            ps.setString(2, config.strategy.name());
            ps.executeUpdate();
        }
    }

    @Override
    public String describe() {
        return "postgresql " + EventStores.redact(config.jdbcUrl) + " (" + switch (config.strategy) {
            case SCHEMA_PER_TENANT -> "a schema per tenant";
            case DATABASE_PER_TENANT -> "a database per tenant";
            case SHARED_TABLES -> "tables in schema " + config.sharedSchema + " shared under row-level security";
        } + ")";
    }
}

package dev.facta.runtime.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.runtime.storage.SqlKeyValueStore;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * The storage backend on PostgreSQL (pgjdbc and HikariCP, optional dependencies of facta-runtime):
 * table {@code runtime_kv} in a schema of the caller's choice, keys in the {@code "C"} collation
 * (byte order, as SQLite and Redis scan). Several runtimes may share it.
 */
public final class PostgresKeyValueStore extends SqlKeyValueStore {
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final HikariDataSource pool;
    private final String schema;

    private PostgresKeyValueStore(HikariDataSource pool, String schema) {
        super(schema + ".runtime_kv");
        this.pool = pool;
        this.schema = schema;
    }

    /**
     * Connects and creates the schema and table when missing.
     *
     * @param jdbcUrl e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}
     */
    public static PostgresKeyValueStore open(String jdbcUrl, String schema) {
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new InvalidInputException("schema", "schema must be a lower-case SQL identifier: " + schema);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl.startsWith("jdbc:") ? jdbcUrl : "jdbc:" + jdbcUrl);
        config.setMaximumPoolSize(8);
        config.setPoolName("facta-runtime-kv");
        HikariDataSource pool = new HikariDataSource(config);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            s.execute("CREATE TABLE IF NOT EXISTS " + schema + ".runtime_kv (namespace text NOT NULL, key text COLLATE \"C\" NOT NULL,"
                    + " value text NOT NULL, expires_at bigint, PRIMARY KEY (namespace, key))");
        } catch (SQLException e) {
            pool.close();
            throw new FactaException("cannot open the PostgreSQL storage: " + e.getMessage(), e);
        }
        return new PostgresKeyValueStore(pool, schema);
    }

    @Override
    protected Connection acquire() throws SQLException {
        return pool.getConnection();
    }

    @Override
    protected void release(Connection c) throws SQLException {
        c.close();
    }

    @Override
    protected String startsWithSql() {
        return "starts_with(key, ?)";
    }

    /** Drops the schema with everything in it (tests). */
    public void dropSchema() {
        inConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
            return null;
        });
    }

    @Override
    public void close() {
        pool.close();
    }
}

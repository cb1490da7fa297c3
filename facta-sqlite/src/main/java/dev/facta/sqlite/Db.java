package dev.facta.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One SQLite connection and its prepared statements. Used by one thread at a time (the pool
 * or the write lock guarantees it). Transactions are begun and ended with explicit statements
 * while the JDBC connection stays in auto-commit mode, because the driver's own transaction
 * handling begins the next transaction eagerly after each commit, and an eager
 * {@code BEGIN IMMEDIATE} would hold the file's write lock between our transactions.
 */
final class Db implements AutoCloseable {
    private static final int MAX_CACHED = 64;

    private final Connection connection;
    private final Statement control;
    private final Map<String, PreparedStatement> cache = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= MAX_CACHED) return false;
            try {
                eldest.getValue().close();
            } catch (SQLException ignored) {
                // closing a cached statement only frees memory; nothing to report
            }
            return true;
        }
    };

    Db(Connection connection) throws SQLException {
        this.connection = connection;
        this.control = connection.createStatement();
    }

    Connection connection() {
        return connection;
    }

    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = cache.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            cache.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    void exec(String sql) throws SQLException {
        control.execute(sql);
    }

    /** Ends whatever transaction is open; quiet, because it runs on paths that already failed. */
    void rollbackQuietly(Throwable cause) {
        try {
            control.execute("ROLLBACK");
        } catch (SQLException e) {
            // SQLite may already have rolled back on its own (e.g. after an I/O error); that is fine
            if (!String.valueOf(e.getMessage()).contains("no transaction is active")) cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        try {
            for (PreparedStatement ps : cache.values()) ps.close();
            cache.clear();
            control.close();
        } catch (SQLException ignored) {
            // the connection is going away; statements die with it
        } finally {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing useful to do when closing fails
            }
        }
    }
}

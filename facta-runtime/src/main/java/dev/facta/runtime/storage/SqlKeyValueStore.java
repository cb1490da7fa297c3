package dev.facta.runtime.storage;

import dev.facta.FactaException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL shared by the SQLite and PostgreSQL backends: one table of (namespace, key, value,
 * expires_at in epoch milliseconds), keys compared byte by byte so scans agree with Redis.
 * Subclasses give connections and the dialect's upsert and prefix test.
 */
public abstract class SqlKeyValueStore implements KeyValueStore {
    private static final String UPSERT = "INSERT INTO %s (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at";

    protected final String table;

    protected SqlKeyValueStore(String table) {
        this.table = table;
    }

    /** A connection to run one unit of work on; {@link #release} gives it back. */
    protected abstract Connection acquire() throws SQLException;

    protected abstract void release(Connection c) throws SQLException;

    /** An upsert of (namespace, key, value, expires_at); both SQLite and PostgreSQL take this one. */
    protected String upsertSql() {
        return UPSERT.formatted(table);
    }

    /** A condition true when {@code key} starts with the parameter. */
    protected abstract String startsWithSql();

    protected interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    protected <T> T inConnection(Work<T> work) {
        try {
            Connection c = acquire();
            try {
                return work.run(c);
            } finally {
                release(c);
            }
        } catch (SQLException e) {
            throw new FactaException("key-value storage failed: " + e.getMessage(), e);
        }
    }

    protected <T> T inTransaction(Work<T> work) {
        return inConnection(c -> {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T t = work.run(c);
                c.commit();
                return t;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        });
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    @Override
    public Optional<String> get(String namespace, String key) {
        return inConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM " + table
                    + " WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)")) {
                ps.setString(1, namespace);
                ps.setString(2, key);
                ps.setLong(3, now());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Map<String, String> getMany(String namespace, Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        Map<String, String> found = new HashMap<>();
        inConnection(c -> {
            String marks = String.join(",", java.util.Collections.nCopies(keys.size(), "?"));
            try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM " + table
                    + " WHERE namespace = ? AND key IN (" + marks + ") AND (expires_at IS NULL OR expires_at > ?)")) {
                int i = 1;
                ps.setString(i++, namespace);
                for (String k : keys) ps.setString(i++, k);
                ps.setLong(i, now());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) found.put(rs.getString(1), rs.getString(2));
                }
            }
            return null;
        });
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String k : keys) if (found.containsKey(k)) ordered.put(k, found.get(k));
        return ordered;
    }

    @Override
    public void setMany(String namespace, Map<String, String> entries, Duration ttl) {
        if (entries.isEmpty()) return;
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertSql())) {
                long expires = ttl == null ? 0 : now() + ttl.toMillis();
                for (var e : entries.entrySet()) {
                    ps.setString(1, namespace);
                    ps.setString(2, e.getKey());
                    ps.setString(3, e.getValue());
                    if (ttl == null) ps.setNull(4, Types.BIGINT);
                    else ps.setLong(4, expires);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public boolean delete(String namespace, String key) {
        return inConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                    + " WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)")) {
                ps.setString(1, namespace);
                ps.setString(2, key);
                ps.setLong(3, now());
                boolean live = ps.executeUpdate() > 0;
                if (!live) {
                    // an expired leftover goes too, so the key is free
                    try (PreparedStatement gone = c.prepareStatement("DELETE FROM " + table + " WHERE namespace = ? AND key = ?")) {
                        gone.setString(1, namespace);
                        gone.setString(2, key);
                        gone.executeUpdate();
                    }
                }
                return live;
            }
        });
    }

    @Override
    public ScanPage scan(String namespace, String prefix, String after, int limit) {
        return inConnection(c -> {
            String from = after != null && after.compareTo(prefix) > 0 ? after : prefix;
            String op = after != null && after.compareTo(prefix) >= 0 ? ">" : ">=";
            try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM " + table
                    + " WHERE namespace = ? AND key " + op + " ? AND " + startsWithSql()
                    + " AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?")) {
                ps.setString(1, namespace);
                ps.setString(2, from);
                ps.setString(3, prefix);
                ps.setLong(4, now());
                ps.setInt(5, limit + 1);
                List<ScanPage.Entry> entries = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) entries.add(new ScanPage.Entry(rs.getString(1), rs.getString(2)));
                }
                if (entries.size() > limit) {
                    entries.removeLast();
                    return new ScanPage(entries, entries.getLast().key());
                }
                return new ScanPage(entries, null);
            }
        });
    }

    /** Removes expired entries; backends call it now and then. */
    public int purgeExpired() {
        return inConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE expires_at IS NOT NULL AND expires_at <= ?")) {
                ps.setLong(1, now());
                return ps.executeUpdate();
            }
        });
    }
}

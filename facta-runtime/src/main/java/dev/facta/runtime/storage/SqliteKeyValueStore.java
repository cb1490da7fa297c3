package dev.facta.runtime.storage;

import dev.facta.FactaException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The default storage backend: one SQLite file (table {@code runtime_kv}). One connection serves
 * every caller in turn, which is what SQLite allows a writer anyway; expired entries are purged
 * every thousand writes.
 */
public final class SqliteKeyValueStore extends SqlKeyValueStore {
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong writes = new AtomicLong();

    private SqliteKeyValueStore(Connection connection) {
        super("runtime_kv");
        this.connection = connection;
    }

    /** Opens (creating when missing) the storage in a SQLite file. */
    public static SqliteKeyValueStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS runtime_kv (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
                        + " expires_at INTEGER, PRIMARY KEY (namespace, key)) WITHOUT ROWID");
            }
            return new SqliteKeyValueStore(c);
        } catch (SQLException | java.io.IOException e) {
            throw new FactaException("cannot open the SQLite storage " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected Connection acquire() {
        lock.lock();
        return connection;
    }

    @Override
    protected void release(Connection c) {
        lock.unlock();
    }

    @Override
    protected String startsWithSql() {
        return "instr(key, ?) = 1";
    }

    @Override
    public void setMany(String namespace, java.util.Map<String, String> entries, java.time.Duration ttl) {
        super.setMany(namespace, entries, ttl);
        if (writes.incrementAndGet() % 1000 == 0) purgeExpired();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new FactaException("cannot close the SQLite storage: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}

package dev.facta.sqlite;

import dev.facta.InvalidInputException;
import dev.facta.crypto.KeyStore;
import dev.facta.crypto.WrappedKey;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The subjects' wrapped data keys in the {@code data_keys} table (schema version 5) of the same
 * SQLite file as the events. Like the snapshot store it owns no connections: writes go through the
 * event store's writer under its write lock, reads use its read-only connections.
 *
 * <p>The event store's writer connection runs with {@code PRAGMA secure_delete = ON}, so a destroyed
 * key (and a purged read-model row) is overwritten with zeros in the file rather than left in a free
 * page. Until the next checkpoint the write-ahead log may still hold the page as it was; closing the
 * store, or {@code PRAGMA wal_checkpoint(TRUNCATE)}, empties it. Copies of the file made before a
 * forget (backups) keep the key: see docs/data-protection.md.
 */
public final class SqliteKeyStore implements KeyStore {
    private static final String INSERT = "INSERT INTO data_keys (subject, key_id, master_key, wrapped, created_at)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject) DO NOTHING";
    private static final String SELECT = "SELECT subject, key_id, master_key, wrapped, created_at FROM data_keys WHERE subject = ?";
    private static final String DELETE = "DELETE FROM data_keys WHERE subject = ?";
    private static final String LIST_FROM_START = "SELECT subject FROM data_keys ORDER BY subject LIMIT ?";
    private static final String LIST_AFTER = "SELECT subject FROM data_keys WHERE subject > ? ORDER BY subject LIMIT ?";

    private final SqliteEventStore events;

    private SqliteKeyStore(SqliteEventStore events) {
        this.events = Objects.requireNonNull(events, "events");
    }

    /** Keys in the file of an open event store, sharing its connections; closing it leaves the store open. */
    public static SqliteKeyStore of(SqliteEventStore events) {
        return new SqliteKeyStore(events);
    }

    @Override
    public WrappedKey createOrGet(WrappedKey candidate) {
        Objects.requireNonNull(candidate, "candidate");
        return events.writeWith("store a data key", db -> {
            PreparedStatement ps = db.prepare(INSERT);
            ps.setString(1, candidate.subject());
            ps.setString(2, candidate.keyId());
            ps.setString(3, candidate.masterKey());
            ps.setBytes(4, candidate.wrapped());
            ps.setLong(5, candidate.createdAt().toEpochMilli());
            if (ps.executeUpdate() == 1) return candidate;
            return select(db, candidate.subject()).orElseThrow();
        });
    }

    @Override
    public Optional<WrappedKey> get(String subject) {
        Objects.requireNonNull(subject, "subject");
        return events.read(db -> select(db, subject));
    }

    private static Optional<WrappedKey> select(Db db, String subject) throws java.sql.SQLException {
        PreparedStatement ps = db.prepare(SELECT);
        ps.setString(1, subject);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            return Optional.of(new WrappedKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                    Instant.ofEpochMilli(rs.getLong(5))));
        }
    }

    @Override
    public boolean destroy(String subject) {
        Objects.requireNonNull(subject, "subject");
        return events.writeWith("destroy a data key", db -> {
            PreparedStatement ps = db.prepare(DELETE);
            ps.setString(1, subject);
            return ps.executeUpdate() == 1;
        });
    }

    @Override
    public List<String> subjects(String afterSubject, int limit) {
        if (limit < 0) throw new InvalidInputException("limit", "limit must be >= 0");
        return events.read(db -> {
            PreparedStatement ps = db.prepare(afterSubject == null ? LIST_FROM_START : LIST_AFTER);
            if (afterSubject == null) {
                ps.setInt(1, limit);
            } else {
                ps.setString(1, afterSubject);
                ps.setInt(2, limit);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    @Override
    public String describe() {
        return "SQLite key store in " + events.path();
    }
}

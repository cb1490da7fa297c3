package dev.facta.sqlite;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.store.StreamId;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Snapshots in the {@code snapshots} table of the same SQLite file as the events, so the embedded
 * default stays one file to copy, back up or delete.
 *
 * <p>It owns no connections of its own: writes go through the event store's writer connection
 * under its write lock (SQLite allows one writer per file, and a second writer connection in the
 * same process would only spin on the busy handler against the first), and reads borrow the event
 * store's read-only connections. The table comes with schema version 2 of the file, which opening
 * the event store applies to older files.
 */
public final class SqliteSnapshotStore implements SnapshotStore, AutoCloseable {

    private static final String UPSERT = "INSERT INTO snapshots (stream, version, schema_version, state, taken_at)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream, version) DO UPDATE SET"
            + " schema_version = excluded.schema_version, state = excluded.state, taken_at = excluded.taken_at";
    private static final String LATEST = "SELECT version, schema_version, state, taken_at FROM snapshots"
            + " WHERE stream = ? AND version <= ? ORDER BY version DESC LIMIT 1";
    // The keep-th newest version is the oldest one to keep; when the stream has fewer snapshots
    // the subquery yields NULL, the comparison is never true, and nothing is deleted.
    private static final String PRUNE = "DELETE FROM snapshots WHERE stream = ? AND version <"
            + " (SELECT version FROM snapshots WHERE stream = ? ORDER BY version DESC LIMIT 1 OFFSET ?)";
    private static final String DELETE_ALL = "DELETE FROM snapshots WHERE stream = ?";

    private final SqliteEventStore events;
    private final boolean ownsEvents;

    private SqliteSnapshotStore(SqliteEventStore events, boolean ownsEvents) {
        this.events = Objects.requireNonNull(events, "events");
        this.ownsEvents = ownsEvents;
    }

    /**
     * Snapshots in the file of an open event store, sharing its connections. Closing the snapshot
     * store leaves the event store open; closing the event store ends both.
     */
    public static SqliteSnapshotStore of(SqliteEventStore events) {
        return new SqliteSnapshotStore(events, false);
    }

    /**
     * Opens the file at {@code path} (creating and migrating it as needed) just for snapshots; closing
     * the snapshot store closes the file. Prefer {@link #of} when the events live in the same process.
     */
    public static SqliteSnapshotStore open(Path path) {
        return new SqliteSnapshotStore(SqliteEventStore.open(path), true);
    }

    @Override
    public void save(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(snapshot.stream(), "snapshot.stream");
        Objects.requireNonNull(snapshot.state(), "snapshot.state");
        Objects.requireNonNull(snapshot.takenAt(), "snapshot.takenAt");
        if (snapshot.version() < 0) throw new InvalidInputException("version", "a snapshot's version must be >= 0");
        long takenAt = micros(snapshot.takenAt());
        events.writeWith("save snapshot", db -> {
            PreparedStatement ps = db.prepare(UPSERT);
            ps.setString(1, snapshot.stream().value());
            ps.setLong(2, snapshot.version());
            ps.setInt(3, snapshot.schemaVersion());
            ps.setBytes(4, snapshot.state());
            ps.setLong(5, takenAt);
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        Objects.requireNonNull(stream, "stream");
        if (maxVersion < 0) return Optional.empty();
        return events.read(db -> {
            PreparedStatement ps = db.prepare(LATEST);
            ps.setString(1, stream.value());
            ps.setLong(2, maxVersion);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Snapshot(stream, rs.getLong(1), rs.getInt(2), rs.getBytes(3),
                        SqliteEventStore.instantOfMicros(rs.getLong(4))));
            }
        });
    }

    @Override
    public void prune(StreamId stream, int keep) {
        Objects.requireNonNull(stream, "stream");
        events.writeWith("prune snapshots", db -> {
            PreparedStatement ps;
            if (keep <= 0) {
                ps = db.prepare(DELETE_ALL);
                ps.setString(1, stream.value());
            } else {
                ps = db.prepare(PRUNE);
                ps.setString(1, stream.value());
                ps.setString(2, stream.value());
                ps.setInt(3, keep - 1);
            }
            ps.executeUpdate();
            return null;
        });
    }

    /** Closes the file only when {@link #open} opened it; a store made with {@link #of} belongs to its caller. */
    @Override
    public void close() {
        if (ownsEvents) events.close();
    }

    @Override
    public String toString() {
        return "SqliteSnapshotStore[" + events.path() + "]";
    }

    private static long micros(Instant at) {
        try {
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
        } catch (ArithmeticException e) {
            throw new InvalidInputException("takenAt", "a snapshot's time must be within SQLite's microsecond range: " + at);
        }
    }
}

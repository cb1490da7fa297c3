package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.store.StreamId;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;

/**
 * Snapshots in the {@code facta_snapshots} table (migration 2) of the event store's schema.
 *
 * <p>Every operation is one statement in its own implicit transaction, and none takes the event
 * store's append lock: a snapshot save or prune never delays an append. Table names are qualified
 * with the schema rather than relying on the connection's {@code search_path}, so an application
 * data source works whatever its path is, exactly as the migrations address the schema.
 */
public final class PostgresSnapshotStore implements SnapshotStore {

    private final DataSource dataSource;
    private final String schema;
    private final String upsert;
    private final String latest;
    private final String prune;
    private final String deleteAll;

    private PostgresSnapshotStore(DataSource dataSource, String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new InvalidInputException("schema", "schema must be a plain SQL identifier, got '" + schema + "'");
        }
        this.schema = schema;
        String table = PostgresMigrations.quote(schema) + ".facta_snapshots";
        this.upsert = "INSERT INTO " + table + " (stream, version, schema_version, state, taken_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT ON CONSTRAINT facta_snapshots_pkey DO UPDATE SET"
                + " schema_version = excluded.schema_version, state = excluded.state, taken_at = excluded.taken_at";
        this.latest = "SELECT version, schema_version, state, taken_at FROM " + table
                + " WHERE stream = ? AND version <= ? ORDER BY version DESC LIMIT 1";
        // The keep-th newest version is the oldest to keep. With fewer snapshots than that the
        // subquery yields NULL, no comparison is true, and nothing is deleted.
        this.prune = "DELETE FROM " + table + " WHERE stream = ? AND version <"
                + " (SELECT version FROM " + table + " WHERE stream = ? ORDER BY version DESC OFFSET ? LIMIT 1)";
        this.deleteAll = "DELETE FROM " + table + " WHERE stream = ?";
    }

    /** Snapshots in the schema of an event store, on its connections. The store runs the migrations. */
    public static PostgresSnapshotStore of(PostgresEventStore events) {
        return new PostgresSnapshotStore(events.dataSource(), events.schema());
    }

    /**
     * Snapshots in {@code schema} on the application's data source. The schema must be migrated
     * already (by {@link PostgresMigrations#up} or by building an event store on it).
     */
    public static PostgresSnapshotStore of(DataSource dataSource, String schema) {
        return new PostgresSnapshotStore(dataSource, schema);
    }

    @Override
    public void save(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(snapshot.stream(), "snapshot.stream");
        Objects.requireNonNull(snapshot.state(), "snapshot.state");
        Objects.requireNonNull(snapshot.takenAt(), "snapshot.takenAt");
        if (snapshot.version() < 0) throw new InvalidInputException("version", "a snapshot's version must be >= 0");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(upsert)) {
            ps.setString(1, snapshot.stream().value());
            ps.setLong(2, snapshot.version());
            ps.setInt(3, snapshot.schemaVersion());
            ps.setBytes(4, snapshot.state());
            ps.setObject(5, OffsetDateTime.ofInstant(snapshot.takenAt(), ZoneOffset.UTC));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("saving a snapshot of '" + snapshot.stream() + "'", e);
        }
    }

    @Override
    public Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        Objects.requireNonNull(stream, "stream");
        if (maxVersion < 0) return Optional.empty();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(latest)) {
            ps.setString(1, stream.value());
            ps.setLong(2, maxVersion);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Snapshot(stream, rs.getLong(1), rs.getInt(2), rs.getBytes(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant()));
            }
        } catch (SQLException e) {
            throw failure("reading the latest snapshot of '" + stream + "'", e);
        }
    }

    @Override
    public void prune(StreamId stream, int keep) {
        Objects.requireNonNull(stream, "stream");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(keep <= 0 ? deleteAll : prune)) {
            ps.setString(1, stream.value());
            if (keep > 0) {
                ps.setString(2, stream.value());
                ps.setInt(3, keep - 1);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("pruning the snapshots of '" + stream + "'", e);
        }
    }

    @Override
    public String toString() {
        return "PostgresSnapshotStore[schema " + schema + "]";
    }

    private FactaException failure(String what, SQLException e) {
        // 42P01: undefined table, i.e. a schema from before migration 2
        String hint = "42P01".equals(e.getSQLState())
                ? " (schema '" + schema + "' lacks facta_snapshots: run the migrations, e.g. 'facta migrate up')" : "";
        return new FactaException(what + " failed in PostgreSQL (" + e.getSQLState() + "): " + e.getMessage() + hint, e);
    }
}

package dev.facta.postgres;

import dev.facta.FactaException;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned schema migrations for the PostgreSQL store, kept as SQL files on the class path and
 * recorded in {@code facta_schema_version} of the store's schema. Each runs in its own
 * transaction; concurrent migrators (several instances starting at once) serialise on an
 * advisory lock, so each migration is applied exactly once.
 */
public final class PostgresMigrations {

    /** One migration: its version, what it does, and when it was applied (null: pending). */
    public record Migration(int version, String description, Instant appliedAt) {
        public boolean applied() {
            return appliedAt != null;
        }
    }

    private record Source(int version, String description, String resource) {
    }

    private static final List<Source> ALL = List.of(
            new Source(1, "event store: events, streams, log head", "migrations/V1__event_store.sql"),
            new Source(2, "aggregate snapshots", "migrations/V2__snapshots.sql"),
            new Source(3, "command idempotency keys", "migrations/V3__idempotency.sql"),
            new Source(4, "projections: registry, checkpoints, leases, members, dead letters", "migrations/V4__projections.sql"),
            new Source(5, "data keys of the data subjects (crypto-shredding)", "migrations/V5__data_keys.sql"));

    /** Advisory lock key shared by every Facta migrator: "facta-mi" as ASCII. */
    private static final long LOCK_KEY = 0x66616374612d6d69L;

    private final DataSource dataSource;
    private final String schema;

    public PostgresMigrations(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /** The newest schema version this build knows. */
    public static int latestVersion() {
        return ALL.getLast().version();
    }

    /** Applies every pending migration; returns those applied now. */
    public List<Migration> up() {
        List<Migration> applied = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                st.execute("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
                st.execute("SET LOCAL search_path TO " + quote(schema));
                st.execute("CREATE TABLE IF NOT EXISTS facta_schema_version (version int PRIMARY KEY,"
                        + " description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
            }
            int current = currentVersion(c);
            for (Source m : ALL) {
                if (m.version() <= current) continue;
                try (Statement st = c.createStatement()) {
                    st.execute(load(m.resource()));
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO facta_schema_version (version, description) VALUES (?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.executeUpdate();
                }
                applied.add(new Migration(m.version(), m.description(), Instant.now()));
            }
            c.commit();
            return applied;
        } catch (SQLException e) {
            throw new FactaException("migrating schema '" + schema + "' failed: " + e.getMessage(), e);
        }
    }

    /** Every migration this build knows, with when it was applied to this schema. */
    public List<Migration> status() {
        List<Migration> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            List<Migration> done = new ArrayList<>();
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT to_regclass(?) IS NOT NULL")) {
                ps.setString(1, quote(schema) + ".facta_schema_version");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    exists = rs.getBoolean(1);
                }
            }
            if (exists) {
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT version, description, applied_at FROM "
                             + quote(schema) + ".facta_schema_version ORDER BY version")) {
                    while (rs.next()) {
                        done.add(new Migration(rs.getInt(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                    }
                }
            }
            for (Source m : ALL) {
                Migration d = done.stream().filter(x -> x.version() == m.version()).findFirst().orElse(null);
                out.add(d != null ? d : new Migration(m.version(), m.description(), null));
            }
            for (Migration d : done) {
                if (d.version() > latestVersion()) out.add(d); // applied by a newer Facta
            }
            return out;
        } catch (SQLException e) {
            throw new FactaException("reading migration status of schema '" + schema + "' failed: " + e.getMessage(), e);
        }
    }

    private static int currentVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM facta_schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String load(String resource) {
        try (InputStream in = PostgresMigrations.class.getResourceAsStream(resource)) {
            if (in == null) throw new FactaException("migration " + resource + " is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FactaException("cannot read migration " + resource, e);
        }
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}

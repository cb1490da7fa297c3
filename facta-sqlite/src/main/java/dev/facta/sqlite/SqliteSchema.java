package dev.facta.sqlite;

import dev.facta.FactaException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The versioned schema of a Facta SQLite file. Each migration runs once, in order, inside one
 * {@code BEGIN IMMEDIATE} transaction together with its row in {@code facta_schema_version}, so
 * two processes opening a new file at the same time cannot both apply it, and a crash mid-way
 * leaves the file at the previous version. A file whose version is newer than this code knows
 * is refused rather than written with assumptions that may no longer hold.
 */
public final class SqliteSchema {

    /** One step of the schema. Never edit a released migration: add the next one. */
    public record Migration(int version, String description, List<String> statements) {
    }

    private static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "events, streams and the global log indexes", List.of(
                    // position is the rowid, so the global log is the table's own order: reading it
                    // is a sequential scan. Ids are 16-byte big-endian UUIDs: UUIDv7 then sorts by
                    // time, so the unique index grows at its right edge.
                    """
                    CREATE TABLE events (
                        position    INTEGER PRIMARY KEY,
                        id          BLOB    NOT NULL UNIQUE,
                        stream      TEXT    NOT NULL,
                        version     INTEGER NOT NULL,
                        category    TEXT    NOT NULL,
                        type        TEXT    NOT NULL,
                        data        TEXT    NOT NULL,
                        metadata    TEXT    NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        UNIQUE (stream, version)
                    ) STRICT""",
                    "CREATE INDEX events_category_position ON events (category, position)",
                    "CREATE INDEX events_type_position ON events (type, position)",
                    // version -1: a stream that has settings but no events yet.
                    """
                    CREATE TABLE streams (
                        stream          TEXT    PRIMARY KEY,
                        version         INTEGER NOT NULL,
                        deleted         INTEGER NOT NULL DEFAULT 0,
                        max_count       INTEGER,
                        max_age_ms      INTEGER,
                        truncate_before INTEGER
                    ) STRICT, WITHOUT ROWID""")),
            new Migration(2, "aggregate snapshots", List.of(
                    // A rowid table, not WITHOUT ROWID: states are often many KiB, and SQLite
                    // advises against WITHOUT ROWID when rows are larger than a small fraction of
                    // a page. taken_at is in microseconds since the epoch, like recorded_at.
                    """
                    CREATE TABLE snapshots (
                        stream         TEXT    NOT NULL,
                        version        INTEGER NOT NULL,
                        schema_version INTEGER NOT NULL,
                        state          BLOB    NOT NULL,
                        taken_at       INTEGER NOT NULL,
                        PRIMARY KEY (stream, version)
                    ) STRICT""")),
            new Migration(3, "command idempotency keys", List.of(
                    // One row per idempotency key: 'running' while a caller holds it (until
                    // lease_until, after which another caller may take it over), then 'done'
                    // with the encoded result until expires_at. Times are milliseconds since the
                    // epoch.
                    """
                    CREATE TABLE idempotency_keys (
                        key         TEXT    PRIMARY KEY,
                        state       TEXT    NOT NULL CHECK (state IN ('running', 'done')),
                        result      TEXT,
                        expires_at  INTEGER NOT NULL,
                        lease_until INTEGER
                    ) STRICT""",
                    "CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)")),
            new Migration(4, "projections (registry, checkpoints, leases, members, dead letters) and read-model indexes", List.of(
                    // Read-model collections are tables rm_<collection>, created by their first
                    // write; this table records the indexes declared on them (one expression
                    // index per field serves every declaration on it).
                    """
                    CREATE TABLE read_model_indexes (
                        collection TEXT    NOT NULL,
                        field      TEXT    NOT NULL,
                        kind       TEXT    NOT NULL CHECK (kind IN ('TEXT', 'NUMBER')),
                        uniq       INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (collection, field, kind, uniq)
                    ) STRICT, WITHOUT ROWID""",
                    // One row per projection version. Times in this migration are milliseconds
                    // since the epoch, except parked_at (microseconds, like recorded_at).
                    """
                    CREATE TABLE projections (
                        name              TEXT    NOT NULL,
                        version           INTEGER NOT NULL,
                        segments          INTEGER NOT NULL,
                        state             TEXT    NOT NULL CHECK (state IN ('BUILDING', 'ACTIVE', 'RETIRED')),
                        paused            INTEGER NOT NULL DEFAULT 0,
                        stopped           INTEGER NOT NULL DEFAULT 0,
                        rebuild_requested INTEGER NOT NULL DEFAULT 0,
                        last_error        TEXT,
                        last_error_at     INTEGER,
                        updated_at        INTEGER NOT NULL,
                        PRIMARY KEY (name, version)
                    ) STRICT, WITHOUT ROWID""",
                    """
                    CREATE TABLE projection_checkpoints (
                        name     TEXT    NOT NULL,
                        version  INTEGER NOT NULL,
                        segment  INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        PRIMARY KEY (name, version, segment)
                    ) STRICT, WITHOUT ROWID""",
                    // A lease row outlives its holder (owner NULL once released) so its token
                    // keeps growing: a token is never handed out twice.
                    """
                    CREATE TABLE projection_leases (
                        name       TEXT    NOT NULL,
                        version    INTEGER NOT NULL,
                        segment    INTEGER NOT NULL,
                        owner      TEXT,
                        token      INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        PRIMARY KEY (name, version, segment)
                    ) STRICT, WITHOUT ROWID""",
                    """
                    CREATE TABLE projection_members (
                        grp        TEXT    NOT NULL,
                        owner      TEXT    NOT NULL,
                        expires_at INTEGER NOT NULL,
                        PRIMARY KEY (grp, owner)
                    ) STRICT, WITHOUT ROWID""",
                    // AUTOINCREMENT: an id is never reused after a deletion, so paging by id is sound.
                    """
                    CREATE TABLE projection_dead_letters (
                        id         INTEGER PRIMARY KEY AUTOINCREMENT,
                        name       TEXT    NOT NULL,
                        version    INTEGER NOT NULL,
                        segment    INTEGER NOT NULL,
                        position   INTEGER NOT NULL,
                        event_id   BLOB,
                        stream     TEXT,
                        event_type TEXT,
                        attempts   INTEGER NOT NULL,
                        error      TEXT,
                        parked_at  INTEGER NOT NULL
                    ) STRICT""",
                    "CREATE INDEX projection_dead_letters_key ON projection_dead_letters (name, version, id)")),
            new Migration(5, "data keys of the data subjects (crypto-shredding)", List.of(
                    // One wrapped AES key per data subject; deleting the row shreds the subject's
                    // data. created_at is in milliseconds since the epoch.
                    """
                    CREATE TABLE data_keys (
                        subject    TEXT    PRIMARY KEY,
                        key_id     TEXT    NOT NULL,
                        master_key TEXT    NOT NULL,
                        wrapped    BLOB    NOT NULL,
                        created_at INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID""")));

    /** The schema version this code writes. */
    public static final int LATEST = MIGRATIONS.getLast().version();

    private SqliteSchema() {
    }

    public static List<Migration> migrations() {
        return MIGRATIONS;
    }

    /** The file's schema version, 0 when it has none yet. Runs in whatever transaction is open. */
    public static int currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(
                    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'facta_schema_version'")) {
                if (!rs.next()) return 0;
            }
            try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM facta_schema_version")) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Brings the file to {@link #LATEST}; returns the versions applied (empty when it already was).
     * The connection must be in auto-commit mode with no transaction open.
     */
    public static List<Integer> migrate(Connection c) throws SQLException {
        return migrate(c, LATEST);
    }

    /**
     * Brings the file to {@code target} (at most {@link #LATEST}); tests use it to make files as
     * older versions of Facta left them.
     */
    static List<Integer> migrate(Connection c, int target) throws SQLException {
        if (target > LATEST) throw new IllegalArgumentException("no migration " + target + "; the latest is " + LATEST);
        List<Integer> applied = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            boolean done = false;
            try {
                s.execute("""
                        CREATE TABLE IF NOT EXISTS facta_schema_version (
                            version     INTEGER PRIMARY KEY,
                            description TEXT    NOT NULL,
                            applied_at  INTEGER NOT NULL
                        ) STRICT""");
                int current = currentVersion(c);
                if (current > LATEST) {
                    throw new FactaException("the SQLite file has schema version " + current
                            + ", newer than this Facta knows (" + LATEST + "); upgrade Facta to open it");
                }
                for (Migration m : MIGRATIONS) {
                    if (m.version() <= current || m.version() > target) continue;
                    for (String sql : m.statements()) s.execute(sql);
                    try (var ps = c.prepareStatement(
                            "INSERT INTO facta_schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
                        ps.setInt(1, m.version());
                        ps.setString(2, m.description());
                        ps.setLong(3, System.currentTimeMillis());
                        ps.executeUpdate();
                    }
                    applied.add(m.version());
                }
                s.execute("COMMIT");
                done = true;
            } finally {
                if (!done) {
                    try {
                        s.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // no transaction left to roll back: the original error is the one to report
                    }
                }
            }
        }
        return applied;
    }
}

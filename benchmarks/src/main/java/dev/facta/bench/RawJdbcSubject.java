package dev.facta.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The ceiling to compare against: the same shapes done with plain JDBC on an equivalent events
 * table, each writer on its own connection with its own transaction per append and batched
 * inserts. Conflicts are left to the unique (stream, version) constraint, as a hand-written
 * store would; there is no coalescing and no gap handling.
 */
final class RawJdbcSubject implements Subject {

    private static final List<String> POSTGRES_SCHEMA = List.of("""
            CREATE TABLE events (
                position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_id    uuid NOT NULL UNIQUE,
                stream      text NOT NULL,
                version     bigint NOT NULL,
                category    text NOT NULL,
                type        text NOT NULL,
                data        jsonb NOT NULL,
                metadata    jsonb NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (stream, version)
            )""");

    // The rowid as position, 16-byte ids and integer times: the cheapest layout SQLite offers,
    // as Facta's own SQLite schema uses, so that the ceiling is not lowered by a naive table.
    private static final List<String> SQLITE_SCHEMA = List.of("""
            CREATE TABLE events (
                position    INTEGER PRIMARY KEY,
                event_id    BLOB    NOT NULL UNIQUE,
                stream      TEXT    NOT NULL,
                version     INTEGER NOT NULL,
                category    TEXT    NOT NULL,
                type        TEXT    NOT NULL,
                data        TEXT    NOT NULL,
                metadata    TEXT    NOT NULL,
                recorded_at INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)),
                UNIQUE (stream, version)
            )""",
            "CREATE INDEX events_category_position ON events (category, position)",
            "CREATE INDEX events_type_position ON events (type, position)");

    private static final String POSTGRES_INSERT = "INSERT INTO events (event_id, stream, version, category, type, data, metadata) "
            + "VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)";
    private static final String SQLITE_INSERT = "INSERT INTO events (event_id, stream, version, category, type, data, metadata) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String READ_ALL = "SELECT position, event_id, stream, version, type, data, metadata, recorded_at "
            + "FROM events ORDER BY position";

    private final StoreKind kind;
    private final String url;

    RawJdbcSubject(StoreKind kind, String url) throws SQLException {
        if (kind == StoreKind.MEMORY) throw new IllegalArgumentException("plain JDBC has no in-memory store");
        this.kind = kind;
        this.url = url;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            begin(c);
            for (String ddl : kind == StoreKind.POSTGRES ? POSTGRES_SCHEMA : SQLITE_SCHEMA) {
                s.execute(ddl);
            }
            commit(c);
        }
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        if (kind == StoreKind.SQLITE) {
            // The same durability as Facta's SQLite store by default (WAL, synchronous=FULL: an
            // acknowledged commit survives a power cut); writers queue on the lock instead of failing.
            props.setProperty("journal_mode", "WAL");
            props.setProperty("synchronous", "FULL");
            props.setProperty("busy_timeout", "60000");
        }
        Connection c = DriverManager.getConnection(url, props);
        // sqlite-jdbc opens the next transaction right after each commit when autocommit is off,
        // so an idle writer would hold the lock; SQLite transactions are begun explicitly instead
        c.setAutoCommit(kind == StoreKind.SQLITE);
        return c;
    }

    private void begin(Connection c) throws SQLException {
        if (kind == StoreKind.SQLITE) {
            // IMMEDIATE takes the write lock up front, so writers queue instead of deadlocking on upgrade
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        }
    }

    private void commit(Connection c) throws SQLException {
        if (kind == StoreKind.SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
        } else {
            c.commit();
        }
    }

    private void rollback(Connection c) throws SQLException {
        if (kind == StoreKind.SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("ROLLBACK");
            }
        } else {
            c.rollback();
        }
    }

    @Override
    public Writer newWriter() throws SQLException {
        Connection c = connect();
        PreparedStatement insert = c.prepareStatement(kind == StoreKind.POSTGRES ? POSTGRES_INSERT : SQLITE_INSERT);
        return new Writer() {
            @Override
            public long append(String stream, long expectedVersion, List<BenchEvent> events) throws SQLException {
                insertAll(stream, expectedVersion, events);
                commit(c);
                return expectedVersion + events.size();
            }

            @Override
            public void appendRolledBack(String stream, long expectedVersion, List<BenchEvent> events) throws SQLException {
                insertAll(stream, expectedVersion, events);
                rollback(c);
            }

            private void insertAll(String stream, long expectedVersion, List<BenchEvent> events) throws SQLException {
                begin(c);
                try {
                    String category = Workload.CATEGORY;
                    long version = expectedVersion + 1;
                    for (BenchEvent e : events) {
                        if (kind == StoreKind.POSTGRES) insert.setObject(1, e.id());
                        else insert.setBytes(1, bytes(e.id()));
                        insert.setString(2, stream);
                        insert.setLong(3, version++);
                        insert.setString(4, category);
                        insert.setString(5, e.type());
                        insert.setString(6, e.json());
                        insert.setString(7, e.metadataJson());
                        insert.addBatch();
                    }
                    insert.executeBatch();
                } catch (SQLException e) {
                    rollback(c);
                    throw e;
                }
            }

            @Override
            public void close() throws SQLException {
                try (c; insert) {
                    if (!c.getAutoCommit()) c.rollback();
                }
            }
        };
    }

    @Override
    public boolean canRollBack() {
        return true;
    }

    /** A read that materialises the same fields a Facta reader gets, so both do comparable work. */
    record RawEvent(long position, UUID id, String stream, long version, String type, byte[] data, String metadata,
                    Instant recordedAt) {
    }

    @Override
    public ReadStats readAll(int pageSize) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            // autocommit off and a fetch size make pgjdbc stream with a server-side cursor
            s.setFetchSize(pageSize);
            long count = 0;
            long last = 0;
            long bytes = 0;
            try (ResultSet rs = s.executeQuery(READ_ALL)) {
                while (rs.next()) {
                    RawEvent e = kind == StoreKind.POSTGRES
                            ? new RawEvent(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getLong(4),
                                    rs.getString(5), rs.getString(6).getBytes(StandardCharsets.UTF_8), rs.getString(7),
                                    rs.getObject(8, OffsetDateTime.class).toInstant())
                            : new RawEvent(rs.getLong(1), uuid(rs.getBytes(2)), rs.getString(3), rs.getLong(4),
                                    rs.getString(5), rs.getString(6).getBytes(StandardCharsets.UTF_8), rs.getString(7),
                                    micros(rs.getLong(8)));
                    if (e.position() <= last) {
                        throw new IllegalStateException("read-all went backwards: position " + e.position() + " after " + last);
                    }
                    last = e.position();
                    bytes += e.data().length;
                    count++;
                }
            }
            if (!c.getAutoCommit()) c.commit();
            return new ReadStats(count, last, bytes);
        }
    }

    private static byte[] bytes(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }

    private static UUID uuid(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new UUID(buf.getLong(), buf.getLong());
    }

    private static Instant micros(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }

    @Override
    public void close() {
    }
}

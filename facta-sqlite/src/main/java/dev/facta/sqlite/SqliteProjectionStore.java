package dev.facta.sqlite;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.projection.DeadLetter;
import dev.facta.projection.FencedOutException;
import dev.facta.projection.Lease;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionRecord;
import dev.facta.projection.ProjectionState;
import dev.facta.projection.ProjectionStore;
import dev.facta.projection.ProjectionTransaction;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Projection progress in the same SQLite file as the events and the read models (tables of schema
 * version 4): the registry of projection versions with their operator flags, per-segment
 * checkpoints, leases, group membership and dead letters. Every process that opens the file shares
 * them, so an operator can pause or rebuild a projection from the CLI while applications run it,
 * and two processes can share a projection's segments.
 *
 * <p>It owns no connections: a {@link #inTransaction transaction} is one {@code BEGIN IMMEDIATE}
 * transaction on the event store's writer connection, under its write lock; reads use its read-only
 * connections. Document changes, checkpoints, dead letters and flags written through a transaction
 * commit together or not at all, and {@link ProjectionTransaction#unwrap unwrap(Connection.class)}
 * gives the same connection for plain SQL. A transaction holds the file's only write lock, so
 * appends wait for it: keep transactions to one batch of events, and never append to the event
 * store, or write through its other stores, from inside one (that is refused).
 *
 * <p>Fencing: SQLite lets one write transaction run at a time per file, across every connection and
 * process, and {@code BEGIN IMMEDIATE} takes that lock before the transaction reads anything. So when
 * {@link ProjectionTransaction#fence} finds the lease row still carrying the caller's owner and token,
 * no other process can take the lease over until the transaction ends: the check at the start is
 * enough, and a takeover simply waits for the transaction to commit. Leases expire by the event
 * store's clock ({@link SqliteEventStore.Builder#clock}); a lease row outlives its holders, so its
 * token only grows.
 */
public final class SqliteProjectionStore implements ProjectionStore {

    private static final String RECORD = "SELECT segments, state, paused, stopped, rebuild_requested, last_error,"
            + " last_error_at, updated_at FROM projections WHERE name = ? AND version = ?";
    private static final String LETTER_COLUMNS = "id, name, version, segment, position, event_id, stream, event_type,"
            + " attempts, error, parked_at";

    private final SqliteEventStore events;
    private final SqliteReadModelStore readModels;

    private SqliteProjectionStore(SqliteEventStore events) {
        this.events = Objects.requireNonNull(events, "events");
        this.readModels = SqliteReadModelStore.on(events);
    }

    /** Projections in the file of an open event store, sharing its connections; closing the event store ends it. */
    public static SqliteProjectionStore on(SqliteEventStore events) {
        return new SqliteProjectionStore(events);
    }

    /** The event store whose file this store uses. */
    public SqliteEventStore events() {
        return events;
    }

    @Override
    public SqliteReadModelStore readModels() {
        return readModels;
    }

    @Override
    public String toString() {
        return "SqliteProjectionStore[" + events.path() + "]";
    }

    private long now() {
        return events.clock().millis();
    }

    // ------------------------------------------------------------------ transactions

    @Override
    public <T> T inTransaction(Work<T> work) {
        Objects.requireNonNull(work, "work");
        return events.writeWith("projection transaction", db -> {
            Tx tx = new Tx(db);
            try {
                return work.run(tx);
            } catch (RuntimeException | SQLException e) {
                throw e;
            } catch (Exception e) {
                throw new FactaException("projection transaction failed: " + e, e);
            } finally {
                tx.ended = true;
            }
        });
    }

    /**
     * A transaction over an open write transaction on {@code db}. Package-private so that inline
     * projections can run in the append transaction.
     */
    ProjectionTransaction transaction(Db db) {
        return new Tx(db);
    }

    /** Ends a transaction made by {@link #transaction(Db)}: it refuses further use. */
    static void end(ProjectionTransaction tx) {
        ((Tx) tx).ended = true;
    }

    private final class Tx implements ProjectionTransaction, SqliteReadModelStore.Scope {
        private final Db db;
        private final Thread owner = Thread.currentThread();
        volatile boolean ended;

        Tx(Db db) {
            this.db = db;
        }

        @Override
        public Db db() {
            if (ended) throw new IllegalStateException("the projection transaction has ended");
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a projection transaction is used by the thread that runs it");
            }
            return db;
        }

        private <R> R sql(String what, SqliteEventStore.DbWork<R> work) {
            Db d = db();
            try {
                return work.run(d);
            } catch (SQLException e) {
                throw new FactaException("SQLite " + what + " failed on " + events.path() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void fence(Lease lease) {
            Objects.requireNonNull(lease, "lease");
            boolean held = sql("fence", d -> {
                PreparedStatement ps = d.prepare("SELECT owner, token FROM projection_leases"
                        + " WHERE name = ? AND version = ? AND segment = ?");
                bindKey(ps, lease.key(), lease.segment());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && lease.owner().equals(rs.getString(1)) && rs.getLong(2) == lease.token();
                }
            });
            if (!held) throw new FencedOutException(lease);
        }

        @Override
        public long checkpoint(ProjectionKey key, int segment) {
            Objects.requireNonNull(key, "key");
            return sql("read checkpoint", d -> {
                checkSegment(d, key, segment);
                PreparedStatement ps = d.prepare("SELECT position FROM projection_checkpoints"
                        + " WHERE name = ? AND version = ? AND segment = ?");
                bindKey(ps, key, segment);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            });
        }

        @Override
        public void saveCheckpoint(ProjectionKey key, int segment, long position) {
            Objects.requireNonNull(key, "key");
            if (position < 0) throw new InvalidInputException("position", "a checkpoint is a position >= 0: " + position);
            sql("save checkpoint", d -> {
                checkSegment(d, key, segment);
                PreparedStatement ps = d.prepare("INSERT INTO projection_checkpoints (name, version, segment, position)"
                        + " VALUES (?, ?, ?, ?) ON CONFLICT (name, version, segment) DO UPDATE SET position = excluded.position");
                bindKey(ps, key, segment);
                ps.setLong(4, position);
                ps.executeUpdate();
                touch(d, key);
                return null;
            });
        }

        @Override
        public long park(DeadLetter letter) {
            Objects.requireNonNull(letter, "letter");
            Objects.requireNonNull(letter.key(), "letter.key");
            return sql("park a dead letter", d -> {
                checkSegment(d, letter.key(), letter.segment());
                PreparedStatement ps = d.prepare("INSERT INTO projection_dead_letters (name, version, segment, position,"
                        + " event_id, stream, event_type, attempts, error, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        + " RETURNING id");
                bindKey(ps, letter.key(), letter.segment());
                ps.setLong(4, letter.position());
                if (letter.eventId() == null) ps.setNull(5, Types.BLOB);
                else ps.setBytes(5, SqliteEventStore.uuidBytes(letter.eventId()));
                ps.setString(6, letter.stream());
                ps.setString(7, letter.eventType());
                ps.setInt(8, letter.attempts());
                ps.setString(9, letter.error());
                ps.setLong(10, micros(letter.parkedAt() == null ? events.clock().instant() : letter.parkedAt()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }

        @Override
        public boolean deleteDeadLetter(long id) {
            return sql("delete a dead letter", d -> {
                PreparedStatement ps = d.prepare("DELETE FROM projection_dead_letters WHERE id = ?");
                ps.setLong(1, id);
                return ps.executeUpdate() > 0;
            });
        }

        @Override
        public void recordError(ProjectionKey key, String error) {
            Objects.requireNonNull(key, "key");
            sql("record an error", d -> {
                long now = now();
                PreparedStatement ps = d.prepare("UPDATE projections SET last_error = ?, last_error_at = ?, updated_at = ?"
                        + " WHERE name = ? AND version = ?");
                ps.setString(1, error);
                if (error == null) ps.setNull(2, Types.INTEGER);
                else ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, key.name());
                ps.setInt(5, key.version());
                if (ps.executeUpdate() == 0) throw unknown(key);
                return null;
            });
        }

        @Override
        public void setStopped(ProjectionKey key, boolean stopped) {
            Objects.requireNonNull(key, "key");
            sql("set stopped", d -> {
                PreparedStatement ps = d.prepare("UPDATE projections SET stopped = ?, updated_at = ? WHERE name = ? AND version = ?");
                ps.setInt(1, stopped ? 1 : 0);
                ps.setLong(2, now());
                ps.setString(3, key.name());
                ps.setInt(4, key.version());
                if (ps.executeUpdate() == 0) throw unknown(key);
                return null;
            });
        }

        @Override
        public void resetCheckpoints(ProjectionKey key) {
            Objects.requireNonNull(key, "key");
            sql("reset checkpoints", d -> {
                PreparedStatement ps = d.prepare("UPDATE projections SET rebuild_requested = 0, updated_at = ?"
                        + " WHERE name = ? AND version = ?");
                ps.setLong(1, now());
                ps.setString(2, key.name());
                ps.setInt(3, key.version());
                if (ps.executeUpdate() == 0) throw unknown(key);
                PreparedStatement reset = d.prepare("UPDATE projection_checkpoints SET position = 0 WHERE name = ? AND version = ?");
                reset.setString(1, key.name());
                reset.setInt(2, key.version());
                reset.executeUpdate();
                return null;
            });
        }

        @Override
        public <T> DocumentCollection<T> collection(String storedName, DocumentCodec<T> codec) {
            db();
            return readModels.bound(this, storedName, codec);
        }

        @Override
        public <R> R unwrap(Class<R> type) {
            Objects.requireNonNull(type, "type");
            if (type == Connection.class) return type.cast(db().connection());
            throw new UnsupportedOperationException("a SQLite projection transaction offers a java.sql.Connection, not " + type.getName());
        }

        private void touch(Db d, ProjectionKey key) throws SQLException {
            PreparedStatement ps = d.prepare("UPDATE projections SET updated_at = ? WHERE name = ? AND version = ?");
            ps.setLong(1, now());
            ps.setString(2, key.name());
            ps.setInt(3, key.version());
            ps.executeUpdate();
        }
    }

    private static InvalidInputException unknown(ProjectionKey key) {
        return new InvalidInputException("projection", "unknown projection version: " + key);
    }

    /** Checks that the version is registered and has the segment. */
    private static void checkSegment(Db d, ProjectionKey key, int segment) throws SQLException {
        int segments = segments(d, key);
        if (segments < 0) throw unknown(key);
        if (segment < 0 || segment >= segments) {
            throw new InvalidInputException("segment", key + " has segments 0 to " + (segments - 1) + ": " + segment);
        }
    }

    /** The version's number of segments, -1 when it is not registered. */
    private static int segments(Db d, ProjectionKey key) throws SQLException {
        PreparedStatement ps = d.prepare("SELECT segments FROM projections WHERE name = ? AND version = ?");
        ps.setString(1, key.name());
        ps.setInt(2, key.version());
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }

    private static void bindKey(PreparedStatement ps, ProjectionKey key, int segment) throws SQLException {
        ps.setString(1, key.name());
        ps.setInt(2, key.version());
        ps.setInt(3, segment);
    }

    // ------------------------------------------------------------------ registry and flags

    @Override
    public ProjectionRecord register(ProjectionKey key, int segments) {
        Objects.requireNonNull(key, "key");
        if (segments < 1) throw new InvalidInputException("segments", "a projection has at least 1 segment: " + segments);
        return events.writeWith("register projection " + key, d -> {
            int known = segments(d, key);
            if (known >= 0) {
                if (known != segments) {
                    throw new InvalidInputException("segments", key + " is registered with " + known + " segments, not " + segments);
                }
                return record(d, key).orElseThrow();
            }
            PreparedStatement first = d.prepare("SELECT NOT EXISTS (SELECT 1 FROM projections WHERE name = ?)");
            first.setString(1, key.name());
            boolean isFirst;
            try (ResultSet rs = first.executeQuery()) {
                isFirst = rs.next() && rs.getInt(1) != 0;
            }
            PreparedStatement ps = d.prepare("INSERT INTO projections (name, version, segments, state, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?)");
            ps.setString(1, key.name());
            ps.setInt(2, key.version());
            ps.setInt(3, segments);
            ps.setString(4, (isFirst ? ProjectionState.ACTIVE : ProjectionState.BUILDING).name());
            ps.setLong(5, now());
            ps.executeUpdate();
            PreparedStatement cp = d.prepare("INSERT INTO projection_checkpoints (name, version, segment, position)"
                    + " VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING");
            try {
                for (int s = 0; s < segments; s++) {
                    bindKey(cp, key, s);
                    cp.addBatch();
                }
                cp.executeBatch();
            } finally {
                cp.clearBatch();
            }
            return record(d, key).orElseThrow();
        });
    }

    @Override
    public Optional<ProjectionRecord> find(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        return events.read(d -> record(d, key));
    }

    @Override
    public List<ProjectionRecord> list() {
        return events.read(d -> {
            List<ProjectionKey> keys = new ArrayList<>();
            try (ResultSet rs = d.prepare("SELECT name, version FROM projections ORDER BY name, version").executeQuery()) {
                while (rs.next()) keys.add(new ProjectionKey(rs.getString(1), rs.getInt(2)));
            }
            List<ProjectionRecord> out = new ArrayList<>(keys.size());
            for (ProjectionKey k : keys) record(d, k).ifPresent(out::add);
            return out;
        });
    }

    private static Optional<ProjectionRecord> record(Db d, ProjectionKey key) throws SQLException {
        PreparedStatement ps = d.prepare(RECORD);
        ps.setString(1, key.name());
        ps.setInt(2, key.version());
        int segments;
        ProjectionState state;
        boolean paused;
        boolean stopped;
        boolean rebuild;
        String lastError;
        Instant lastErrorAt;
        Instant updatedAt;
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            segments = rs.getInt(1);
            state = ProjectionState.valueOf(rs.getString(2));
            paused = rs.getInt(3) != 0;
            stopped = rs.getInt(4) != 0;
            rebuild = rs.getInt(5) != 0;
            lastError = rs.getString(6);
            long at = rs.getLong(7);
            lastErrorAt = rs.wasNull() ? null : Instant.ofEpochMilli(at);
            updatedAt = Instant.ofEpochMilli(rs.getLong(8));
        }
        long[] checkpoints = new long[segments];
        PreparedStatement cp = d.prepare("SELECT segment, position FROM projection_checkpoints WHERE name = ? AND version = ?");
        cp.setString(1, key.name());
        cp.setInt(2, key.version());
        try (ResultSet rs = cp.executeQuery()) {
            while (rs.next()) {
                int s = rs.getInt(1);
                if (s >= 0 && s < segments) checkpoints[s] = rs.getLong(2);
            }
        }
        PreparedStatement count = d.prepare("SELECT count(*) FROM projection_dead_letters WHERE name = ? AND version = ?");
        count.setString(1, key.name());
        count.setInt(2, key.version());
        long parked;
        try (ResultSet rs = count.executeQuery()) {
            rs.next();
            parked = rs.getLong(1);
        }
        List<Long> list = new ArrayList<>(segments);
        for (long c : checkpoints) list.add(c);
        return Optional.of(new ProjectionRecord(key, segments, state, paused, stopped, rebuild, list, lastError,
                lastErrorAt, parked, updatedAt));
    }

    @Override
    public boolean setPaused(String name, boolean paused) {
        if (name == null) return false;
        return events.writeWith("pause projection " + name, d -> {
            PreparedStatement ps = d.prepare("UPDATE projections SET paused = ?, updated_at = ? WHERE name = ?");
            ps.setInt(1, paused ? 1 : 0);
            ps.setLong(2, now());
            ps.setString(3, name);
            return ps.executeUpdate() > 0;
        });
    }

    @Override
    public boolean requestRebuild(String name) {
        if (name == null) return false;
        return events.writeWith("request a rebuild of " + name, d -> {
            PreparedStatement ps = d.prepare("UPDATE projections SET rebuild_requested = 1, updated_at = ?"
                    + " WHERE name = ? AND state = 'ACTIVE'");
            ps.setLong(1, now());
            ps.setString(2, name);
            return ps.executeUpdate() > 0;
        });
    }

    @Override
    public void activate(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        events.writeWith("activate " + key, d -> {
            if (segments(d, key) < 0) throw unknown(key);
            long now = now();
            PreparedStatement retire = d.prepare("UPDATE projections SET state = 'RETIRED', updated_at = ?"
                    + " WHERE name = ? AND state = 'ACTIVE' AND version <> ?");
            retire.setLong(1, now);
            retire.setString(2, key.name());
            retire.setInt(3, key.version());
            retire.executeUpdate();
            PreparedStatement activate = d.prepare("UPDATE projections SET state = 'ACTIVE', updated_at = ?"
                    + " WHERE name = ? AND version = ?");
            activate.setLong(1, now);
            activate.setString(2, key.name());
            activate.setInt(3, key.version());
            activate.executeUpdate();
            return null;
        });
    }

    // ------------------------------------------------------------------ leases

    private static void checkTtl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) throw new InvalidInputException("ttl", "a lease lifetime must be positive");
    }

    private static void checkOwner(String owner) {
        if (owner == null || owner.isEmpty()) throw new InvalidInputException("owner", "a lease owner must not be empty");
    }

    private static long plus(long nowMillis, Duration ttl) {
        try {
            return Math.addExact(nowMillis, ttl.toMillis());
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public Optional<Lease> acquire(ProjectionKey key, int segment, String owner, Duration ttl) {
        Objects.requireNonNull(key, "key");
        checkOwner(owner);
        checkTtl(ttl);
        return events.writeWith("acquire a lease on " + key, d -> {
            checkSegment(d, key, segment);
            long now = now();
            PreparedStatement ps = d.prepare("SELECT owner, token, expires_at FROM projection_leases"
                    + " WHERE name = ? AND version = ? AND segment = ?");
            bindKey(ps, key, segment);
            long token = 0;
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String holder = rs.getString(1);
                    token = rs.getLong(2);
                    long expiresAt = rs.getLong(3);
                    if (holder != null && !holder.equals(owner) && expiresAt > now) return Optional.<Lease>empty();
                }
            }
            long expiresAt = plus(now, ttl);
            PreparedStatement up = d.prepare("INSERT INTO projection_leases (name, version, segment, owner, token, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, version, segment) DO UPDATE SET owner = excluded.owner,"
                    + " token = excluded.token, expires_at = excluded.expires_at");
            bindKey(up, key, segment);
            up.setString(4, owner);
            up.setLong(5, token + 1);
            up.setLong(6, expiresAt);
            up.executeUpdate();
            return Optional.of(new Lease(key, segment, owner, token + 1, Instant.ofEpochMilli(expiresAt)));
        });
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
        Objects.requireNonNull(lease, "lease");
        checkTtl(ttl);
        return events.writeWith("renew a lease on " + lease.key(), d -> {
            long expiresAt = plus(now(), ttl);
            PreparedStatement ps = d.prepare("UPDATE projection_leases SET expires_at = ? WHERE name = ? AND version = ?"
                    + " AND segment = ? AND owner = ? AND token = ?");
            ps.setLong(1, expiresAt);
            ps.setString(2, lease.key().name());
            ps.setInt(3, lease.key().version());
            ps.setInt(4, lease.segment());
            ps.setString(5, lease.owner());
            ps.setLong(6, lease.token());
            if (ps.executeUpdate() == 0) return Optional.<Lease>empty();
            return Optional.of(new Lease(lease.key(), lease.segment(), lease.owner(), lease.token(), Instant.ofEpochMilli(expiresAt)));
        });
    }

    @Override
    public void release(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        events.writeWith("release a lease on " + lease.key(), d -> {
            PreparedStatement ps = d.prepare("UPDATE projection_leases SET owner = NULL, expires_at = 0 WHERE name = ?"
                    + " AND version = ? AND segment = ? AND owner = ? AND token = ?");
            ps.setString(1, lease.key().name());
            ps.setInt(2, lease.key().version());
            ps.setInt(3, lease.segment());
            ps.setString(4, lease.owner());
            ps.setLong(5, lease.token());
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public List<Lease> leases(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        long now = now();
        return events.read(d -> {
            PreparedStatement ps = d.prepare("SELECT segment, owner, token, expires_at FROM projection_leases"
                    + " WHERE name = ? AND version = ? AND owner IS NOT NULL AND expires_at > ? ORDER BY segment");
            ps.setString(1, key.name());
            ps.setInt(2, key.version());
            ps.setLong(3, now);
            List<Lease> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Lease(key, rs.getInt(1), rs.getString(2), rs.getLong(3), Instant.ofEpochMilli(rs.getLong(4))));
                }
            }
            return out;
        });
    }

    @Override
    public List<String> heartbeat(String group, String owner, Duration ttl) {
        if (group == null || group.isEmpty()) throw new InvalidInputException("group", "a group must not be empty");
        checkOwner(owner);
        checkTtl(ttl);
        return events.writeWith("heartbeat in " + group, d -> {
            long now = now();
            PreparedStatement gone = d.prepare("DELETE FROM projection_members WHERE grp = ? AND expires_at <= ?");
            gone.setString(1, group);
            gone.setLong(2, now);
            gone.executeUpdate();
            PreparedStatement up = d.prepare("INSERT INTO projection_members (grp, owner, expires_at) VALUES (?, ?, ?)"
                    + " ON CONFLICT (grp, owner) DO UPDATE SET expires_at = excluded.expires_at");
            up.setString(1, group);
            up.setString(2, owner);
            up.setLong(3, plus(now, ttl));
            up.executeUpdate();
            PreparedStatement alive = d.prepare("SELECT owner FROM projection_members WHERE grp = ?");
            alive.setString(1, group);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = alive.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            out.sort(null);
            return out;
        });
    }

    @Override
    public void leave(String group, String owner) {
        if (group == null || owner == null) return;
        events.writeWith("leave " + group, d -> {
            PreparedStatement ps = d.prepare("DELETE FROM projection_members WHERE grp = ? AND owner = ?");
            ps.setString(1, group);
            ps.setString(2, owner);
            ps.executeUpdate();
            return null;
        });
    }

    // ------------------------------------------------------------------ dead letters

    @Override
    public List<DeadLetter> deadLetters(ProjectionKey key, long afterId, int limit) {
        Objects.requireNonNull(key, "key");
        if (limit < 1) throw new InvalidInputException("limit", "limit must be at least 1: " + limit);
        return events.read(d -> {
            PreparedStatement ps = d.prepare("SELECT " + LETTER_COLUMNS + " FROM projection_dead_letters"
                    + " WHERE name = ? AND version = ? AND id > ? ORDER BY id LIMIT ?");
            ps.setString(1, key.name());
            ps.setInt(2, key.version());
            ps.setLong(3, afterId);
            ps.setInt(4, limit);
            List<DeadLetter> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(letter(rs));
            }
            return out;
        });
    }

    @Override
    public Optional<DeadLetter> deadLetter(long id) {
        return events.read(d -> {
            PreparedStatement ps = d.prepare("SELECT " + LETTER_COLUMNS + " FROM projection_dead_letters WHERE id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(letter(rs)) : Optional.<DeadLetter>empty();
            }
        });
    }

    private static DeadLetter letter(ResultSet rs) throws SQLException {
        byte[] eventId = rs.getBytes(6);
        return new DeadLetter(rs.getLong(1), new ProjectionKey(rs.getString(2), rs.getInt(3)), rs.getInt(4), rs.getLong(5),
                eventId == null ? null : SqliteEventStore.uuid(eventId), rs.getString(7), rs.getString(8), rs.getInt(9),
                rs.getString(10), SqliteEventStore.instantOfMicros(rs.getLong(11)));
    }

    private static long micros(Instant at) {
        try {
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
        } catch (ArithmeticException e) {
            throw new InvalidInputException("parkedAt", "a time within SQLite's microsecond range is needed: " + at);
        }
    }
}

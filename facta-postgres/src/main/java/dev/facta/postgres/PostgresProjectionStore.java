package dev.facta.postgres;

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
import dev.facta.readmodel.ReadModelStore;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Projection progress on PostgreSQL, in the tables of migration 4 next to the events and the read
 * models ({@link PostgresReadModelStore}), so that one transaction covers a batch's documents and
 * its checkpoint. Every instance on the schema shares the registry, leases and dead letters.
 *
 * <p><b>Transactions</b> run on one connection with auto-commit off at READ COMMITTED and roll back
 * when the work throws. Their collections buffer writes and send them together with the checkpoint
 * ({@link ProjectionTransaction#saveCheckpoint}) or at commit, so a batch costs a handful of round
 * trips however many documents it touches. {@link ProjectionTransaction#unwrap} hands out the
 * {@link Connection} for plain SQL (buffered document writes are sent first).
 * {@link #inTransaction(Connection, Work)} runs work inside a transaction the caller already has
 * open, such as an append's (inline projections).
 *
 * <p><b>Leases and fencing.</b> Lease expiry is computed and compared with the database's clock
 * only, so instances whose clocks disagree still agree on who holds what. Acquiring is one
 * statement ({@code INSERT ... ON CONFLICT DO UPDATE ... WHERE} expired or the same owner), so of two
 * racing acquirers one wins, and the token grows on every acquisition. {@code fence} reads the lease
 * row {@code FOR KEY SHARE}. An acquisition's update also assigns the row's key (to itself), which
 * makes PostgreSQL take the row's exclusive lock: a takeover waits until the fenced transaction
 * ends, so a stale owner can never commit after its successor started. A renewal changes no key
 * and takes a weaker lock, so the owner keeps renewing while its own batch is in flight.
 * {@code checkpoint} reads the segment's row {@code FOR UPDATE}, so a rebuild's reset and a batch
 * never interleave.
 */
public final class PostgresProjectionStore implements ProjectionStore {

    /** First key of the advisory locks that serialise registry changes of one name: "fpr1". */
    private static final int REGISTRY_LOCK_CLASS = 0x66707231;
    /** Longest lease or membership lifetime taken as given; longer ones are capped. */
    private static final Duration MAX_TTL = Duration.ofDays(3650);

    private final DataSource dataSource;
    private final String schema;
    private final PostgresReadModelStore readModels;

    private final String projections;
    private final String checkpoints;
    private final String leases;
    private final String members;
    private final String deadLetters;
    private final String recordSql;

    /**
     * Projections in {@code schema} on the application's data source. The schema must be migrated
     * already (by {@link PostgresMigrations#up} or by building an event store on it).
     */
    public PostgresProjectionStore(DataSource dataSource, String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = PostgresReadModelStore.checkSchema(schema);
        this.readModels = new PostgresReadModelStore(dataSource, schema);
        String s = PostgresMigrations.quote(schema) + ".";
        this.projections = s + "facta_projections";
        this.checkpoints = s + "facta_projection_checkpoints";
        this.leases = s + "facta_projection_leases";
        this.members = s + "facta_projection_members";
        this.deadLetters = s + "facta_dead_letters";
        this.recordSql = "SELECT p.name, p.version, p.segments, p.state, p.paused, p.stopped, p.rebuild_requested,"
                + " p.last_error, p.last_error_at,"
                + " greatest(p.updated_at, (SELECT max(c.updated_at) FROM " + checkpoints + " c"
                + "   WHERE c.name = p.name AND c.version = p.version)),"
                + " ARRAY(SELECT coalesce(c.position, 0) FROM generate_series(0, p.segments - 1) g"
                + "   LEFT JOIN " + checkpoints + " c ON c.name = p.name AND c.version = p.version AND c.segment = g"
                + "   ORDER BY g),"
                + " (SELECT count(*) FROM " + deadLetters + " d WHERE d.name = p.name AND d.version = p.version)"
                + " FROM " + projections + " p";
    }

    /** Projections in the schema of an event store, on its connections. */
    public static PostgresProjectionStore on(PostgresEventStore events) {
        return new PostgresProjectionStore(events.dataSource(), events.schema());
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public String schema() {
        return schema;
    }

    @Override
    public PostgresReadModelStore readModels() {
        return readModels;
    }

    // ------------------------------------------------------------------ transactions

    @Override
    public <T> T inTransaction(Work<T> work) {
        Objects.requireNonNull(work, "work");
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw failure("opening a projection transaction", e);
        }
        try {
            Tx tx;
            try {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
                }
                tx = new Tx(c);
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw failure("opening a projection transaction", e);
            }
            try {
                T result = work.run(tx);
                tx.finish();
                c.commit();
                return result;
            } catch (Throwable e) {
                rollbackQuietly(c);
                throw rethrow(e);
            } finally {
                tx.end();
            }
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // a broken connection: the pool discards it
            }
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing to do
            }
        }
    }

    /**
     * Runs {@code work} in the transaction already open on {@code connection} (auto-commit off), for
     * work that must commit with something else, such as an append (inline projections). Buffered
     * document writes are sent when the work returns; committing or rolling back stays with the
     * caller, who must roll back when this throws.
     */
    public <T> T inTransaction(Connection connection, Work<T> work) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(work, "work");
        Tx tx = new Tx(connection);
        try {
            T result = work.run(tx);
            tx.finish();
            return result;
        } catch (Throwable e) {
            throw rethrow(e);
        } finally {
            tx.end();
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException re) return re;
        if (e instanceof Error err) throw err;
        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
        return new FactaException("projection transaction failed: " + e, e);
    }

    private final class Tx implements ProjectionTransaction {
        private final Connection c;
        private final PostgresReadModelStore documents;
        private boolean ended;

        Tx(Connection c) {
            this.c = c;
            this.documents = readModels.bind(c);
        }

        private void usable() {
            if (ended) throw new IllegalStateException("the projection transaction has ended");
        }

        void finish() {
            documents.flush();
        }

        void end() {
            ended = true;
            documents.end();
        }

        @Override
        public void fence(Lease lease) {
            usable();
            Objects.requireNonNull(lease, "lease");
            try (PreparedStatement ps = c.prepareStatement("SELECT owner, token FROM " + leases
                    + " WHERE name = ? AND version = ? AND segment = ? AND expires_at > '-infinity' FOR KEY SHARE")) {
                setKey(ps, 1, lease.key());
                ps.setInt(3, lease.segment());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getString(1).equals(lease.owner()) || rs.getLong(2) != lease.token()) {
                        throw new FencedOutException(lease);
                    }
                }
            } catch (SQLException e) {
                throw failure("checking the lease on " + lease.key() + " segment " + lease.segment(), e);
            }
        }

        @Override
        public long checkpoint(ProjectionKey key, int segment) {
            usable();
            Objects.requireNonNull(key, "key");
            try (PreparedStatement ps = c.prepareStatement("SELECT position FROM " + checkpoints
                    + " WHERE name = ? AND version = ? AND segment = ? FOR UPDATE")) {
                setKey(ps, 1, key);
                ps.setInt(3, segment);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return rs.getLong(1);
                }
            } catch (SQLException e) {
                throw failure("reading the checkpoint of " + key + " segment " + segment, e);
            }
            throw unknownSegment(c, key, segment);
        }

        @Override
        public void saveCheckpoint(ProjectionKey key, int segment, long position) {
            usable();
            Objects.requireNonNull(key, "key");
            if (position < 0) throw new InvalidInputException("position", "a checkpoint is a position >= 0: " + position);
            int updated;
            try {
                // the documents buffered so far travel in the same round trip
                updated = documents.flushWith("UPDATE " + checkpoints + " SET position = ?, updated_at = now()"
                        + " WHERE name = ? AND version = ? AND segment = ?", (ps, i) -> {
                    ps.setLong(i, position);
                    setKey(ps, i + 1, key);
                    ps.setInt(i + 3, segment);
                    return i + 4;
                });
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) throw documents.flushFailure(e);
                throw failure("saving the checkpoint of " + key + " segment " + segment, e);
            }
            if (updated != 1) throw unknownSegment(c, key, segment);
        }

        @Override
        public long park(DeadLetter letter) {
            usable();
            Objects.requireNonNull(letter, "letter");
            Objects.requireNonNull(letter.key(), "letter.key");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + deadLetters
                    + " (name, version, segment, position, event_id, stream, event_type, attempts, error, parked_at)"
                    + " SELECT p.name, p.version, ?, ?, ?, ?, ?, ?, ?, coalesce(?, now()) FROM " + projections + " p"
                    + " WHERE p.name = ? AND p.version = ? AND ? >= 0 AND ? < p.segments RETURNING id")) {
                ps.setInt(1, letter.segment());
                ps.setLong(2, letter.position());
                ps.setObject(3, letter.eventId());
                ps.setString(4, letter.stream());
                ps.setString(5, letter.eventType());
                ps.setInt(6, letter.attempts());
                ps.setString(7, letter.error() == null ? "" : letter.error());
                ps.setObject(8, letter.parkedAt() == null ? null : OffsetDateTime.ofInstant(letter.parkedAt(), ZoneOffset.UTC));
                setKey(ps, 9, letter.key());
                ps.setInt(11, letter.segment());
                ps.setInt(12, letter.segment());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return rs.getLong(1);
                }
            } catch (SQLException e) {
                throw failure("parking an event of " + letter.key(), e);
            }
            throw unknownSegment(c, letter.key(), letter.segment());
        }

        @Override
        public boolean deleteDeadLetter(long id) {
            usable();
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + deadLetters + " WHERE id = ?")) {
                ps.setLong(1, id);
                return ps.executeUpdate() > 0;
            } catch (SQLException e) {
                throw failure("deleting dead letter " + id, e);
            }
        }

        @Override
        public void recordError(ProjectionKey key, String error) {
            usable();
            Objects.requireNonNull(key, "key");
            updateRegistry(key, "last_error = ?, last_error_at = CASE WHEN ?::text IS NULL THEN NULL ELSE now() END",
                    ps -> {
                        ps.setString(1, error);
                        ps.setString(2, error);
                        return 3;
                    }, "recording the last error");
        }

        @Override
        public void setStopped(ProjectionKey key, boolean stopped) {
            usable();
            Objects.requireNonNull(key, "key");
            updateRegistry(key, "stopped = ?", ps -> {
                ps.setBoolean(1, stopped);
                return 2;
            }, "setting the stopped flag");
        }

        private void updateRegistry(ProjectionKey key, String set, Binder binder, String what) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + projections + " SET " + set
                    + ", updated_at = now() WHERE name = ? AND version = ?")) {
                int i = binder.bind(ps);
                setKey(ps, i, key);
                if (ps.executeUpdate() == 0) throw unknown(key);
            } catch (SQLException e) {
                throw failure(what + " of " + key, e);
            }
        }

        @Override
        public void resetCheckpoints(ProjectionKey key) {
            usable();
            Objects.requireNonNull(key, "key");
            // checkpoints first, then the registry row: the order batches take them in, so the two never deadlock
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + checkpoints + " SET position = 0, updated_at = now()"
                    + " WHERE name = ? AND version = ?; UPDATE " + projections
                    + " SET rebuild_requested = false, updated_at = now() WHERE name = ? AND version = ?")) {
                setKey(ps, 1, key);
                setKey(ps, 3, key);
                ps.execute();
                int registry = -1;
                boolean rs = false;
                do {
                    if (!rs) {
                        int n = ps.getUpdateCount();
                        if (n == -1) break;
                        registry = n;
                    }
                    rs = ps.getMoreResults();
                } while (true);
                if (registry == 0) throw unknown(key);
            } catch (SQLException e) {
                throw failure("resetting the checkpoints of " + key, e);
            }
        }

        @Override
        public <T> DocumentCollection<T> collection(String storedName, DocumentCodec<T> codec) {
            usable();
            return documents.collection(storedName, codec);
        }

        @Override
        public <R> R unwrap(Class<R> type) {
            usable();
            if (type == Connection.class) {
                documents.flush(); // plain SQL sees the documents written so far
                return type.cast(c);
            }
            if (type == PostgresReadModelStore.class || type == ReadModelStore.class) return type.cast(documents);
            throw new UnsupportedOperationException("a PostgreSQL projection transaction offers java.sql.Connection, not " + type.getName());
        }
    }

    @FunctionalInterface
    private interface Binder {
        int bind(PreparedStatement ps) throws SQLException;
    }

    private static void setKey(PreparedStatement ps, int first, ProjectionKey key) throws SQLException {
        ps.setString(first, key.name());
        ps.setInt(first + 1, key.version());
    }

    private static InvalidInputException unknown(ProjectionKey key) {
        return new InvalidInputException("projection", "unknown projection version: " + key);
    }

    /** Why a key and segment matched no row: the version is unknown, or the segment out of its range. */
    private InvalidInputException unknownSegment(Connection c, ProjectionKey key, int segment) {
        try (PreparedStatement ps = c.prepareStatement("SELECT segments FROM " + projections + " WHERE name = ? AND version = ?")) {
            setKey(ps, 1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return unknown(key);
                return new InvalidInputException("segment", key + " has segments 0 to " + (rs.getInt(1) - 1) + ": " + segment);
            }
        } catch (SQLException e) {
            return new InvalidInputException("segment", "no segment " + segment + " of " + key);
        }
    }

    // ------------------------------------------------------------------ registry and flags

    @Override
    public ProjectionRecord register(ProjectionKey key, int segments) {
        Objects.requireNonNull(key, "key");
        if (segments < 1) throw new InvalidInputException("segments", "a projection has at least 1 segment: " + segments);
        inTransaction(tx -> {
            Connection c = tx.unwrap(Connection.class);
            lockName(c, key.name());
            try (PreparedStatement ps = c.prepareStatement("SELECT segments FROM " + projections + " WHERE name = ? AND version = ?")) {
                setKey(ps, 1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getInt(1) != segments) {
                            throw new InvalidInputException("segments", key + " is registered with " + rs.getInt(1)
                                    + " segments, not " + segments);
                        }
                        return null;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + projections + " (name, version, segments, state)"
                    + " VALUES (?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM " + projections + " WHERE name = ?)"
                    + " THEN 'BUILDING' ELSE 'ACTIVE' END);"
                    + " INSERT INTO " + checkpoints + " (name, version, segment, position)"
                    + " SELECT ?, ?, g, 0 FROM generate_series(0, ? - 1) g ON CONFLICT DO NOTHING")) {
                setKey(ps, 1, key);
                ps.setInt(3, segments);
                ps.setString(4, key.name());
                setKey(ps, 5, key);
                ps.setInt(7, segments);
                ps.execute();
            }
            return null;
        });
        return find(key).orElseThrow(() -> new FactaException("registering " + key + " failed: it is not found afterwards"));
    }

    private void lockName(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(" + REGISTRY_LOCK_CLASS + ", hashtext(?))")) {
            ps.setString(1, schema + "." + name);
            ps.execute();
        }
    }

    @Override
    public Optional<ProjectionRecord> find(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        List<ProjectionRecord> found = records(" WHERE p.name = ? AND p.version = ?", key);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    @Override
    public List<ProjectionRecord> list() {
        return records(" ORDER BY p.name, p.version", null);
    }

    private List<ProjectionRecord> records(String tail, ProjectionKey key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(recordSql + tail)) {
            if (key != null) setKey(ps, 1, key);
            try (ResultSet rs = ps.executeQuery()) {
                List<ProjectionRecord> out = new ArrayList<>();
                while (rs.next()) {
                    Array a = rs.getArray(11);
                    List<Long> cps = new ArrayList<>();
                    for (Object o : (Object[]) a.getArray()) cps.add(((Number) o).longValue());
                    out.add(new ProjectionRecord(new ProjectionKey(rs.getString(1), rs.getInt(2)), rs.getInt(3),
                            ProjectionState.valueOf(rs.getString(4)), rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7),
                            cps, rs.getString(8), instant(rs, 9), rs.getLong(12), instant(rs, 10)));
                }
                return out;
            }
        } catch (SQLException e) {
            throw failure("reading projections", e);
        }
    }

    @Override
    public boolean setPaused(String name, boolean paused) {
        return update("UPDATE " + projections + " SET paused = ?, updated_at = now() WHERE name = ?", ps -> {
            ps.setBoolean(1, paused);
            ps.setString(2, name);
        }, "pausing " + name) > 0;
    }

    @Override
    public boolean requestRebuild(String name) {
        return update("UPDATE " + projections + " SET rebuild_requested = true, updated_at = now()"
                + " WHERE name = ? AND state = 'ACTIVE'", ps -> ps.setString(1, name), "requesting a rebuild of " + name) > 0;
    }

    @Override
    public void activate(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        inTransaction(tx -> {
            Connection c = tx.unwrap(Connection.class);
            lockName(c, key.name());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + projections + " SET state = CASE WHEN version = ?"
                    + " THEN 'ACTIVE' ELSE 'RETIRED' END, updated_at = now()"
                    + " WHERE name = ? AND (version = ? OR state = 'ACTIVE')"
                    + " AND EXISTS (SELECT 1 FROM " + projections + " WHERE name = ? AND version = ?)")) {
                ps.setInt(1, key.version());
                ps.setString(2, key.name());
                ps.setInt(3, key.version());
                setKey(ps, 4, key);
                if (ps.executeUpdate() == 0) throw unknown(key);
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ leases

    private static long micros(Duration ttl, String field) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new InvalidInputException(field, "a " + field + " must be positive: " + ttl);
        }
        Duration d = ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
        return Math.max(1, d.getSeconds() * 1_000_000L + d.getNano() / 1_000);
    }

    private static void checkOwner(String owner) {
        if (owner == null || owner.isEmpty()) throw new InvalidInputException("owner", "a lease owner must not be empty");
    }

    @Override
    public Optional<Lease> acquire(ProjectionKey key, int segment, String owner, Duration ttl) {
        Objects.requireNonNull(key, "key");
        checkOwner(owner);
        long micros = micros(ttl, "ttl");
        String sql = "INSERT INTO " + leases + " AS l (name, version, segment, owner, token, expires_at)"
                + " SELECT p.name, p.version, ?, ?, 1, clock_timestamp() + ? * interval '1 microsecond'"
                + " FROM " + projections + " p WHERE p.name = ? AND p.version = ? AND ? >= 0 AND ? < p.segments"
                // "segment = excluded.segment" changes nothing but makes this update take the row's
                // exclusive lock, which waits for transactions fenced with the lease (FOR KEY SHARE)
                + " ON CONFLICT ON CONSTRAINT facta_projection_leases_pkey DO UPDATE SET segment = excluded.segment,"
                + " owner = excluded.owner, token = l.token + 1,"
                + " expires_at = excluded.expires_at WHERE l.expires_at <= clock_timestamp() OR l.owner = excluded.owner"
                + " RETURNING token, expires_at";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, segment);
            ps.setString(2, owner);
            ps.setLong(3, micros);
            setKey(ps, 4, key);
            ps.setInt(6, segment);
            ps.setInt(7, segment);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) return Optional.of(new Lease(key, segment, owner, rs.getLong(1), instant(rs, 2)));
            }
            try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM " + leases
                    + " WHERE name = ? AND version = ? AND segment = ?")) {
                setKey(check, 1, key);
                check.setInt(3, segment);
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) return Optional.empty(); // held by another owner
                }
            }
            throw unknownSegment(c, key, segment);
        } catch (SQLException e) {
            throw failure("acquiring the lease on " + key + " segment " + segment, e);
        }
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
        Objects.requireNonNull(lease, "lease");
        long micros = micros(ttl, "ttl");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE " + leases
                + " SET expires_at = clock_timestamp() + ? * interval '1 microsecond'"
                + " WHERE name = ? AND version = ? AND segment = ? AND owner = ? AND token = ? AND expires_at > '-infinity'"
                + " RETURNING expires_at")) {
            ps.setLong(1, micros);
            setKey(ps, 2, lease.key());
            ps.setInt(4, lease.segment());
            ps.setString(5, lease.owner());
            ps.setLong(6, lease.token());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Lease(lease.key(), lease.segment(), lease.owner(), lease.token(), instant(rs, 1)));
            }
        } catch (SQLException e) {
            throw failure("renewing the lease on " + lease.key() + " segment " + lease.segment(), e);
        }
    }

    @Override
    public void release(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        // the row stays, so the next acquisition's token is higher still
        update("UPDATE " + leases + " SET expires_at = '-infinity'"
                + " WHERE name = ? AND version = ? AND segment = ? AND owner = ? AND token = ?", ps -> {
            setKey(ps, 1, lease.key());
            ps.setInt(3, lease.segment());
            ps.setString(4, lease.owner());
            ps.setLong(5, lease.token());
        }, "releasing the lease on " + lease.key() + " segment " + lease.segment());
    }

    @Override
    public List<Lease> leases(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT segment, owner, token,"
                + " expires_at FROM " + leases + " WHERE name = ? AND version = ? AND expires_at > clock_timestamp()"
                + " ORDER BY segment")) {
            setKey(ps, 1, key);
            try (ResultSet rs = ps.executeQuery()) {
                List<Lease> out = new ArrayList<>();
                while (rs.next()) out.add(new Lease(key, rs.getInt(1), rs.getString(2), rs.getLong(3), instant(rs, 4)));
                return out;
            }
        } catch (SQLException e) {
            throw failure("reading the leases of " + key, e);
        }
    }

    @Override
    public List<String> heartbeat(String group, String owner, Duration ttl) {
        if (group == null || group.isEmpty()) throw new InvalidInputException("group", "a group must not be empty");
        checkOwner(owner);
        long micros = micros(ttl, "ttl");
        // The SELECT sees the table as it was before the CTEs changed it: the owner's own row comes from the upsert.
        String sql = "WITH gone AS (DELETE FROM " + members + " WHERE group_name = ? AND owner <> ? AND expires_at <= clock_timestamp()),"
                + " me AS (INSERT INTO " + members + " (group_name, owner, expires_at)"
                + " VALUES (?, ?, clock_timestamp() + ? * interval '1 microsecond')"
                + " ON CONFLICT ON CONSTRAINT facta_projection_members_pkey DO UPDATE SET expires_at = excluded.expires_at RETURNING owner)"
                + " SELECT owner FROM " + members + " WHERE group_name = ? AND owner <> ? AND expires_at > clock_timestamp()"
                + " UNION SELECT owner FROM me ORDER BY 1";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, group);
            ps.setString(2, owner);
            ps.setString(3, group);
            ps.setString(4, owner);
            ps.setLong(5, micros);
            ps.setString(6, group);
            ps.setString(7, owner);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        } catch (SQLException e) {
            throw failure("announcing " + owner + " in group " + group, e);
        }
    }

    @Override
    public void leave(String group, String owner) {
        update("DELETE FROM " + members + " WHERE group_name = ? AND owner = ?", ps -> {
            ps.setString(1, group);
            ps.setString(2, owner);
        }, "leaving group " + group);
    }

    // ------------------------------------------------------------------ dead letters

    private static final String LETTER_COLUMNS = "id, name, version, segment, position, event_id, stream, event_type,"
            + " attempts, error, parked_at";

    @Override
    public List<DeadLetter> deadLetters(ProjectionKey key, long afterId, int limit) {
        Objects.requireNonNull(key, "key");
        if (limit < 1) throw new InvalidInputException("limit", "limit must be at least 1: " + limit);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT " + LETTER_COLUMNS
                + " FROM " + deadLetters + " WHERE name = ? AND version = ? AND id > ? ORDER BY id LIMIT ?")) {
            setKey(ps, 1, key);
            ps.setLong(3, afterId);
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<DeadLetter> out = new ArrayList<>();
                while (rs.next()) out.add(letter(rs));
                return out;
            }
        } catch (SQLException e) {
            throw failure("reading the dead letters of " + key, e);
        }
    }

    @Override
    public Optional<DeadLetter> deadLetter(long id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT " + LETTER_COLUMNS
                + " FROM " + deadLetters + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(letter(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("reading dead letter " + id, e);
        }
    }

    private static DeadLetter letter(ResultSet rs) throws SQLException {
        return new DeadLetter(rs.getLong(1), new ProjectionKey(rs.getString(2), rs.getInt(3)), rs.getInt(4), rs.getLong(5),
                rs.getObject(6, UUID.class), rs.getString(7), rs.getString(8), rs.getInt(9), rs.getString(10), instant(rs, 11));
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface Params {
        void set(PreparedStatement ps) throws SQLException;
    }

    private int update(String sql, Params params, String what) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            params.set(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        if (t == null) return null;
        return t.toInstant();
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }

    private FactaException failure(String what, SQLException e) {
        // 42P01: undefined table, i.e. a schema from before migration 4
        String hint = "42P01".equals(e.getSQLState())
                ? " (schema '" + schema + "' lacks the projection tables: run the migrations, e.g. 'facta migrate up')" : "";
        return new FactaException(what + " failed in PostgreSQL (" + e.getSQLState() + "): " + e.getMessage() + hint, e);
    }

    @Override
    public String toString() {
        return "PostgresProjectionStore[schema " + schema + "]";
    }
}

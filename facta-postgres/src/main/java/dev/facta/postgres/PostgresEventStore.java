package dev.facta.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.AppendCoalescer;
import dev.facta.internal.AppendPlanner;
import dev.facta.internal.AppendValidation;
import dev.facta.internal.Json;
import dev.facta.internal.MetadataCodec;
import dev.facta.internal.PreparedAppend;
import dev.facta.internal.PreparedEvent;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StoreLimits;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The production event store on PostgreSQL.
 *
 * <p><b>Gap-free global order.</b> Every append transaction first locks the single row of
 * {@code facta_log_head} and keeps it until it commits, takes its positions from that row and
 * moves it on. Transactions that append therefore run one at a time per database, across every
 * process, and commit in position order; a rolled-back transaction gives its positions back.
 * PostgreSQL makes a transaction visible before it releases its row locks, so a reader that sees
 * position {@code p} also sees every position below it. Positions are dense: reading
 * {@code position >= from} never skips a committed event and needs no gap detection.
 *
 * <p><b>Group commit.</b> Since appends serialise anyway, one writer thread per store merges
 * whatever appends have queued up into one transaction ({@link AppendCoalescer}), each append
 * with its own expected-version check and its own fate ({@link AppendPlanner}). A batch costs
 * three round trips (lock and read stream states; insert events, upsert streams, move the head;
 * commit) and one WAL flush however many appends it holds.
 *
 * <p>When a batch fails as a whole (an event id already used in another stream, or a
 * {@link BeforeCommit} hook that throws), it is rolled back and its appends are retried one per
 * transaction, so only the culprit fails.
 */
public final class PostgresEventStore implements EventStore, dev.facta.store.AppendNotifier {

    private static final System.Logger LOG = System.getLogger(PostgresEventStore.class.getName());

    private static final String LOCK_HEAD = "SELECT position, now(), epoch FROM facta_log_head WHERE id = 1 FOR UPDATE";
    private static final String STREAM_STATES = "SELECT stream, version, deleted FROM facta_streams WHERE stream = ANY(?)";
    private static final String EXISTING_IDS = "SELECT id, stream, version, position FROM facta_events WHERE id = ANY(?)";
    // Rows travel as one JSON array per table: parsed once by PostgreSQL, with event data and
    // metadata taken over as jsonb values, instead of text arrays escaped, unescaped and cast.
    private static final String EVENT_ROWS = "jsonb_to_recordset(?::jsonb)"
            + " AS x(p bigint, i uuid, s text, v bigint, c text, t text, d jsonb, m jsonb)";
    private static final String STREAM_ROWS = "jsonb_to_recordset(?::jsonb) AS y(s text, c text, v bigint)";
    private static final String INSERT_EVENTS = "INSERT INTO facta_events"
            + " (position, id, stream, version, category, type, data, metadata, recorded_at)"
            + " SELECT x.p, x.i, x.s, x.v, x.c, x.t, x.d, x.m, now() FROM " + EVENT_ROWS;
    private static final String UPSERT_STREAMS = "INSERT INTO facta_streams (stream, category, version)"
            + " SELECT y.s, y.c, y.v FROM " + STREAM_ROWS
            + " ON CONFLICT ON CONSTRAINT facta_streams_pkey DO UPDATE SET version = excluded.version, updated_at = now()";
    private static final String MOVE_HEAD = "UPDATE facta_log_head SET position = ?, epoch = epoch + 1 WHERE id = 1";
    /** Sent inside the append transaction, so PostgreSQL delivers it only if and when it commits. */
    private static final String NOTIFY = "SELECT pg_notify(?, '')";
    /**
     * The fast path: one statement, one implicit transaction, one round trip. The head row is
     * updated only if its epoch is still the one this writer last committed, i.e. nobody else
     * appended or deleted since; the inserts join on that update, so on a mismatch nothing at all
     * is written and the statement returns no row.
     */
    private static final String FAST_APPEND = "WITH h AS (UPDATE facta_log_head SET position = ?, epoch = epoch + 1"
            + " WHERE id = 1 AND epoch = ? RETURNING now() AS ts),"
            + " ev AS (INSERT INTO facta_events (position, id, stream, version, category, type, data, metadata, recorded_at)"
            + " SELECT x.p, x.i, x.s, x.v, x.c, x.t, x.d, x.m, h.ts FROM h, " + EVENT_ROWS + "),"
            + " st AS (INSERT INTO facta_streams (stream, category, version)"
            + " SELECT y.s, y.c, y.v FROM h, " + STREAM_ROWS
            + " ON CONFLICT ON CONSTRAINT facta_streams_pkey DO UPDATE SET version = excluded.version, updated_at = now())"
            + " SELECT h.ts, pg_notify(?, '') FROM h";
    /** Streams whose committed version this writer knows; bounded, cleared when it grows past this. */
    private static final int VERSION_CACHE_LIMIT = 100_000;
    private static final String EVENT_COLUMNS = "e.position, e.id, e.stream, e.version, e.type, e.data::text,"
            + " e.metadata::text, (extract(epoch FROM e.recorded_at) * 1000000)::bigint";

    private static final String READ_STREAM_FORWARD = readStreamSql(true);
    private static final String READ_STREAM_BACKWARD = readStreamSql(false);

    /**
     * One statement, one snapshot: the stream row decides what is visible, the lateral join
     * reads the events. A stream without visible events still yields its row (e.position null).
     */
    private static String readStreamSql(boolean forward) {
        return "SELECT s.version, s.deleted, " + EVENT_COLUMNS + " FROM facta_streams s"
                + " LEFT JOIN LATERAL (SELECT * FROM facta_events x WHERE x.stream = s.stream"
                + " AND x.version " + (forward ? ">=" : "<=") + " ?"
                + " AND x.version >= greatest(coalesce(s.truncate_before, 0),"
                + "     CASE WHEN s.max_count IS NULL THEN 0 ELSE s.version - s.max_count + 1 END)"
                + " AND (s.max_age_ms IS NULL OR x.recorded_at >= clock_timestamp() - s.max_age_ms * interval '1 millisecond')"
                + " ORDER BY x.version " + (forward ? "ASC" : "DESC") + " LIMIT ?) e ON true"
                + " WHERE s.stream = ? ORDER BY e.version " + (forward ? "ASC" : "DESC");
    }

    private final DataSource dataSource;
    private final HikariDataSource ownedPool;
    private final String schema;
    private final StoreLimits limits;
    private final BeforeCommit beforeCommit;
    private final TransactionJoin join;
    private final AppendCoalescer coalescer;
    private final String channel;
    private final java.util.List<Runnable> appendListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Thread listenerThread;
    private volatile boolean closing;
    private final String description;

    // Touched only by the coalescer's writer thread. Valid while the head's epoch is cachedEpoch:
    // then every change since it was filled was made by this writer. Versions only grow, so a
    // stale entry can only be lower than the truth, which the (stream, version) key refuses.
    private final Map<StreamId, Long> versionCache = new HashMap<>();
    private long cachedEpoch = -1;
    private long cachedHead;

    private PostgresEventStore(Builder b) {
        this.schema = b.schema;
        this.channel = channelFor(b.tenant == null ? b.schema : b.schema + "." + b.tenant);
        this.limits = b.limits;
        this.beforeCommit = b.beforeCommit;
        this.join = b.join;
        if (b.dataSource != null) {
            this.dataSource = b.dataSource;
            this.ownedPool = null;
            this.description = "postgresql (schema " + schema + ", application data source)";
        } else {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(b.jdbcUrl);
            if (b.user != null) config.setUsername(b.user);
            if (b.password != null) config.setPassword(b.password);
            config.setSchema(schema);
            config.setMaximumPoolSize(b.poolSize);
            if (b.minimumIdle >= 0) {
                config.setMinimumIdle(Math.min(b.minimumIdle, b.poolSize));
                config.setIdleTimeout(Duration.ofSeconds(30).toMillis());
            }
            config.setPoolName("facta-" + schema + (b.tenant == null ? "" : "-" + b.tenant));
            if (b.tenant != null) config.setConnectionInitSql(PostgresRowSecurity.sessionSql(b.tenant, b.tenantRole));
            config.setAutoCommit(true);
            // how long a caller waits for a free connection before its operation fails: long enough to
            // ride out a stall of the database or the machine (a checkpoint, a paused VM) under load
            config.setConnectionTimeout(b.connectionTimeout.toMillis());
            // fail at once with the driver's reason when the server cannot be reached, instead of
            // a pool timeout on the first query
            config.setInitializationFailTimeout(1);
            try {
                this.ownedPool = new HikariDataSource(config);
            } catch (RuntimeException e) {
                Throwable cause = e;
                while (cause.getCause() != null) cause = cause.getCause();
                throw new FactaException("cannot connect to PostgreSQL at " + EventStores.redact(b.jdbcUrl) + ": "
                        + cause.getMessage(), e);
            }
            this.dataSource = ownedPool;
            this.description = "postgresql " + EventStores.redact(b.jdbcUrl) + " (schema " + schema
                    + (b.tenant == null ? "" : ", tenant " + b.tenant + " of its shared tables") + ")";
        }
        try {
            if (b.migrate && b.tenant == null) {
                new PostgresMigrations(dataSource, schema).up();
            }
        } catch (RuntimeException e) {
            if (ownedPool != null) ownedPool.close();
            throw e;
        }
        this.coalescer = new AppendCoalescer(schema, b.maxBatchEvents, b.linger, this::writeBatch);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings for a {@link PostgresEventStore}; the defaults suit a local server. */
    public static final class Builder {
        private String jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/postgres";
        private String user;
        private String password;
        private DataSource dataSource;
        private String schema = "public";
        private int minimumIdle = -1;
        private int poolSize = 10;
        private int maxBatchEvents = 5_000;
        private Duration linger = Duration.ofNanos(200_000);
        private boolean migrate = true;
        private String tenant;
        private TransactionJoin join;
        private Duration connectionTimeout = Duration.ofSeconds(30);
        private String tenantRole;
        private StoreLimits limits = StoreLimits.DEFAULT;
        private BeforeCommit beforeCommit;

        public Builder jdbcUrl(String url) {
            this.jdbcUrl = url;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /**
         * Use the application's data source instead of an own pool. Its connections must have
         * auto-commit on when handed out, and {@code search_path} is not changed: tables are
         * looked up as the data source's connections find them.
         */
        public Builder dataSource(DataSource ds) {
            this.dataSource = ds;
            return this;
        }

        public Builder schema(String schema) {
            if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
                throw new InvalidInputException("schema", "schema must be a plain SQL identifier, got '" + schema + "'");
            }
            this.schema = schema;
            return this;
        }

        public Builder poolSize(int n) {
            this.poolSize = Math.max(2, n);
            return this;
        }

        /**
         * How many connections the own pool keeps open while idle (default: the pool size); with
         * fewer, connections idle for 30 s are closed. Stores that are open by the hundred, one per
         * tenant, keep this low.
         */
        public Builder minimumIdle(int n) {
            this.minimumIdle = Math.max(0, n);
            return this;
        }

        /** The most events one group-commit transaction takes. */
        public Builder maxBatchEvents(int n) {
            this.maxBatchEvents = Math.max(1, n);
            return this;
        }

        /**
         * How long the writer waits for the appends of a busy set of writers to gather before it
         * commits (default 200 µs; zero turns it off). It waits only while the previous batch
         * held more appends than have queued, so a lone writer never waits.
         */
        public Builder linger(Duration d) {
            this.linger = d == null || d.isNegative() ? Duration.ZERO : d;
            return this;
        }

        /**
         * Works for one tenant of a schema whose tables tenants share (see {@link PostgresRowSecurity}):
         * every connection names the tenant and runs as {@code role}; the schema is not migrated.
         */
        Builder tenant(String tenant, String role) {
            this.tenant = dev.facta.tenancy.Tenants.require(tenant);
            this.tenantRole = PostgresRowSecurity.checkRole(role);
            return this;
        }

        /** How long an operation waits for a free pooled connection before it fails (default 30 s). */
        public Builder connectionTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be at least 250 ms, got " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        /** Whether opening the store applies pending migrations (default true). */
        public Builder migrate(boolean migrate) {
            this.migrate = migrate;
            return this;
        }

        public Builder limits(StoreLimits limits) {
            this.limits = limits;
            return this;
        }

        /**
         * Appends made while the caller is in a transaction of the application (as {@code join}
         * finds it) are written in that transaction and commit or roll back with it; see
         * {@link PostgresEventStore#append(Connection, StreamId, ExpectedVersion, List)} for the cost.
         */
        public Builder joinTransactions(TransactionJoin join) {
            this.join = join;
            return this;
        }

        public Builder beforeCommit(BeforeCommit hook) {
            this.beforeCommit = hook;
            return this;
        }

        public PostgresEventStore build() {
            return new PostgresEventStore(this);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public String schema() {
        return schema;
    }

    // ---- appends ---------------------------------------------------------------------------

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        if (join != null) {
            Connection joined;
            try {
                joined = join.current();
            } catch (SQLException e) {
                throw new FactaException("finding the caller's transaction failed: " + e.getMessage(), e);
            }
            if (joined != null) {
                try {
                    return append(joined, stream, expected, events);
                } finally {
                    try {
                        join.release(joined);
                    } catch (SQLException e) {
                        LOG.log(System.Logger.Level.WARNING, "releasing the caller's transaction connection failed", e);
                    }
                }
            }
        }
        return coalescer.append(AppendValidation.prepare(stream, expected, events, limits));
    }

    /**
     * Appends inside the caller's open transaction on {@code connection} (auto-commit off, on this
     * store's database and schema): the events commit or roll back with it, together with whatever
     * else the transaction writes. The append takes the log's head lock and holds it until that
     * transaction ends, so every other append to the schema waits for it: keep such transactions
     * short. The {@link BeforeCommit} hook runs here too. A conflict or refused input leaves the
     * caller's transaction usable (the append's statements are undone to a savepoint); the
     * transaction is never committed or rolled back here.
     *
     * @throws IllegalStateException the connection is in auto-commit mode
     */
    public AppendResult append(Connection connection, StreamId stream, ExpectedVersion expected, List<EventData> events) {
        PreparedAppend append = AppendValidation.prepare(stream, expected, events, limits);
        try {
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("appending in a transaction needs a connection with auto-commit off");
            }
            try (java.sql.Statement st = connection.createStatement()) {
                st.execute("SAVEPOINT facta_append");
            }
            AppendPlanner.Outcome outcome;
            try {
                outcome = writeLocked(connection, List.of(append), true).getFirst();
            } catch (Exception e) {
                try (java.sql.Statement st = connection.createStatement()) {
                    st.execute("ROLLBACK TO SAVEPOINT facta_append; RELEASE SAVEPOINT facta_append");
                }
                throw e;
            }
            try (java.sql.Statement st = connection.createStatement()) {
                st.execute("RELEASE SAVEPOINT facta_append");
            }
            return switch (outcome) {
                case AppendPlanner.Write w -> w.result();
                case AppendPlanner.Done d -> d.result();
                case AppendPlanner.Failed f -> throw f.error();
            };
        } catch (Exception e) {
            throw new BatchFailed(e).reported();
        }
    }

    /** Writes one batch; called only by the coalescer's single writer thread. */
    private void writeBatch(List<AppendCoalescer.Pending> batch) {
        List<PreparedAppend> appends = new ArrayList<>(batch.size());
        for (AppendCoalescer.Pending p : batch) appends.add(p.append());
        if (beforeCommit == null) {
            List<AppendPlanner.Outcome> fast = tryFastPath(appends);
            if (fast != null) {
                for (int i = 0; i < batch.size(); i++) batch.get(i).resolve(fast.get(i));
                return;
            }
        }
        try {
            List<AppendPlanner.Outcome> outcomes = writeInTransaction(appends, false);
            for (int i = 0; i < batch.size(); i++) batch.get(i).resolve(outcomes.get(i));
            return;
        } catch (BatchFailed failed) {
            if (batch.size() == 1) {
                batch.getFirst().fail(failed.reported());
                return;
            }
            // some append in the batch spoiled it for all: retry each alone to find which
        }
        for (AppendCoalescer.Pending p : batch) {
            try {
                p.resolve(writeInTransaction(List.of(p.append()), true).getFirst());
            } catch (BatchFailed failed) {
                p.fail(failed.reported());
            }
        }
    }

    /** The whole transaction failed and was rolled back; {@link #reported()} is what callers see. */
    private static final class BatchFailed extends Exception {
        BatchFailed(Throwable cause) {
            super(cause);
        }

        RuntimeException reported() {
            Throwable c = getCause();
            if (c instanceof RuntimeException re) return re;
            if (c instanceof SQLException se && "23505".equals(se.getSQLState())) {
                return new InvalidInputException("events.id", "an event id of this append is already used: " + se.getMessage());
            }
            if (c instanceof SQLException se) {
                return new FactaException("append failed in PostgreSQL (" + se.getSQLState() + "): " + se.getMessage(), se);
            }
            return new FactaException("append failed: " + c.getMessage(), c);
        }
    }

    private List<AppendPlanner.Outcome> writeInTransaction(List<PreparedAppend> appends, boolean checkAllIds) throws BatchFailed {
        Connection c = null;
        try {
            c = dataSource.getConnection();
            c.setAutoCommit(false);
            long[] epoch = new long[1];
            Map<StreamId, AppendPlanner.StreamState> states = new HashMap<>();
            AppendPlanner.Plan plan = plan(c, appends, checkAllIds, epoch, states);
            c.commit();
            if (!plan.writes().isEmpty()) {
                remember(epoch[0], states, plan);
            }
            return plan.outcomes();
        } catch (Exception e) {
            rollbackQuietly(c);
            throw new BatchFailed(e);
        } finally {
            closeQuietly(c);
        }
    }

    /** Writes in the connection's open transaction, which the caller commits: see {@link #append(Connection, StreamId, ExpectedVersion, List)}. */
    private List<AppendPlanner.Outcome> writeLocked(Connection c, List<PreparedAppend> appends, boolean checkAllIds) throws Exception {
        return plan(c, appends, checkAllIds, new long[1], new HashMap<>()).outcomes();
    }

    /**
     * Locks the head, reads the streams' states (into {@code states}, the head's epoch into
     * {@code epochOut}), plans the appends and writes them, all in {@code c}'s open transaction.
     */
    private AppendPlanner.Plan plan(Connection c, List<PreparedAppend> appends, boolean checkAllIds, long[] epochOut,
                                    Map<StreamId, AppendPlanner.StreamState> states) throws Exception {
        {
            Set<StreamId> streams = new LinkedHashSet<>();
            for (PreparedAppend a : appends) streams.add(a.stream());
            long head;
            long epoch;
            Instant now;
            // Lock the head first, then read stream states in a second statement: under READ
            // COMMITTED each statement takes a fresh snapshot, so the states are read after the
            // previous holder of the lock committed. Both go out in one round trip.
            try (PreparedStatement ps = c.prepareStatement(LOCK_HEAD + ";" + STREAM_STATES)) {
                ps.setArray(1, c.createArrayOf("text", names(streams)));
                ps.execute();
                try (ResultSet rs = ps.getResultSet()) {
                    if (!rs.next()) throw new FactaException("facta_log_head is empty: the schema was not migrated");
                    head = rs.getLong(1);
                    now = rs.getTimestamp(2).toInstant();
                    epoch = rs.getLong(3);
                }
                if (!ps.getMoreResults()) throw new SQLException("stream states query returned no result");
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        states.put(StreamId.of(rs.getString(1)), new AppendPlanner.StreamState(rs.getLong(2), rs.getBoolean(3)));
                    }
                }
            }
            Connection conn = c;
            AppendPlanner.Plan plan = AppendPlanner.plan(appends, head,
                    AppendPlanner.Lookup.of(states, ids -> existingIds(conn, ids)), checkAllIds);
            if (!plan.writes().isEmpty()) {
                insert(c, plan);
                if (beforeCommit != null) {
                    beforeCommit.beforeCommit(c, recorded(plan, now));
                }
            }
            epochOut[0] = epoch;
            return plan;
        }
    }

    /** After a committed slow-path batch: the cache now reflects epoch + 1. */
    private void remember(long epochBefore, Map<StreamId, AppendPlanner.StreamState> states, AppendPlanner.Plan plan) {
        if (epochBefore != cachedEpoch || versionCache.size() > VERSION_CACHE_LIMIT) {
            versionCache.clear(); // someone else wrote in between: nothing cached can be trusted
        }
        for (var e : states.entrySet()) {
            if (e.getValue().deleted()) versionCache.remove(e.getKey());
            else versionCache.put(e.getKey(), e.getValue().version());
        }
        versionCache.putAll(plan.versions());
        cachedEpoch = epochBefore + 1;
        cachedHead = plan.head();
    }

    /**
     * Plans the batch from the version cache and writes it in one round trip. Returns null,
     * having written nothing, when the cache cannot answer for every stream, when any append
     * would not simply be written (a conflict or a retry to work out), when another writer moved
     * the head since, or when the database refuses the rows (a reused event id): the caller then
     * takes the full path, which reads everything under the lock.
     */
    private List<AppendPlanner.Outcome> tryFastPath(List<PreparedAppend> appends) {
        if (cachedEpoch < 0) return null;
        Map<StreamId, AppendPlanner.StreamState> states = new HashMap<>();
        for (PreparedAppend a : appends) {
            Long v = versionCache.get(a.stream());
            if (v != null) {
                states.put(a.stream(), new AppendPlanner.StreamState(v, false));
            } else if (a.expected() instanceof ExpectedVersion.NoStream) {
                // if the stream does exist, its version 0 does too and the insert is refused
                states.put(a.stream(), AppendPlanner.StreamState.NONE);
            } else {
                return null;
            }
        }
        long head = cachedHead;
        // no id lookups: a reused id makes the insert fail, and the full path sorts it out
        AppendPlanner.Plan plan = AppendPlanner.plan(appends, head, AppendPlanner.Lookup.of(states, ids -> Map.of()), false);
        if (plan.writes().size() != appends.size()) return null;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(FAST_APPEND)) {
            ps.setLong(1, plan.head());
            ps.setLong(2, cachedEpoch);
            int next = bindRows(c, ps, 3, plan);
            ps.setString(next, channel);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    cachedEpoch = -1; // the head moved under us
                    return null;
                }
            }
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) {
                LOG.log(System.Logger.Level.DEBUG, "fast append path failed, taking the full path", e);
            }
            cachedEpoch = -1;
            return null;
        }
        versionCache.putAll(plan.versions());
        cachedEpoch++;
        cachedHead = plan.head();
        return plan.outcomes();
    }

    private static String[] names(Collection<StreamId> streams) {
        String[] out = new String[streams.size()];
        int i = 0;
        for (StreamId s : streams) out[i++] = s.value();
        return out;
    }

    private static Map<UUID, AppendPlanner.Existing> existingIds(Connection c, Collection<UUID> ids) {
        Map<UUID, AppendPlanner.Existing> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(EXISTING_IDS)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    out.put(id, new AppendPlanner.Existing(id, rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new FactaException("looking up event ids failed: " + e.getMessage(), e);
        }
    }

    private void insert(Connection c, AppendPlanner.Plan plan) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_EVENTS + ";" + UPSERT_STREAMS + ";" + MOVE_HEAD + ";" + NOTIFY)) {
            int next = bindRows(c, ps, 1, plan);
            ps.setLong(next, plan.head());
            ps.setString(next + 1, channel);
            ps.execute();
        }
    }

    /** Binds the event rows and the stream rows (one JSON array each) from {@code first}; returns the next index. */
    private static int bindRows(Connection c, PreparedStatement ps, int first, AppendPlanner.Plan plan) throws SQLException {
        StringBuilder events = new StringBuilder(plan.eventCount() * 320).append('[');
        for (AppendPlanner.Write w : plan.writes()) {
            String stream = Json.quote(w.append().stream().value());
            String category = Json.quote(w.append().stream().category());
            long version = w.firstVersion();
            long position = w.firstPosition();
            for (PreparedEvent e : w.append().events()) {
                if (events.length() > 1) events.append(',');
                events.append("{\"p\":").append(position++)
                        .append(",\"i\":\"").append(e.id()).append('"')
                        .append(",\"s\":").append(stream)
                        .append(",\"v\":").append(version++)
                        .append(",\"c\":").append(category)
                        .append(",\"t\":");
                Json.quote(e.type(), events);
                events.append(",\"d\":").append(e.data())
                        .append(",\"m\":").append(e.metadataJson()).append('}');
            }
        }
        events.append(']');
        StringBuilder streams = new StringBuilder(plan.versions().size() * 64).append('[');
        for (var e : plan.versions().entrySet()) {
            if (streams.length() > 1) streams.append(',');
            streams.append("{\"s\":");
            Json.quote(e.getKey().value(), streams);
            streams.append(",\"c\":");
            Json.quote(e.getKey().category(), streams);
            streams.append(",\"v\":").append(e.getValue()).append('}');
        }
        streams.append(']');
        ps.setString(first, events.toString());
        ps.setString(first + 1, streams.toString());
        return first + 2;
    }

    private static List<RecordedEvent> recorded(AppendPlanner.Plan plan, Instant now) {
        List<RecordedEvent> out = new ArrayList<>(plan.eventCount());
        for (AppendPlanner.Write w : plan.writes()) {
            long version = w.firstVersion();
            long position = w.firstPosition();
            for (PreparedEvent e : w.append().events()) {
                out.add(new RecordedEvent(e.id(), w.append().stream(), version++, position++, e.type(),
                        e.data().getBytes(StandardCharsets.UTF_8), e.metadata(), now));
            }
        }
        return out;
    }

    // ---- reads -----------------------------------------------------------------------------

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        AppendValidation.checkVersion(fromVersion);
        int limit = AppendValidation.checkCount(maxCount);
        String sql = direction == ReadDirection.FORWARD ? READ_STREAM_FORWARD : READ_STREAM_BACKWARD;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, fromVersion);
            ps.setInt(2, limit);
            ps.setString(3, stream.value());
            try (ResultSet rs = ps.executeQuery()) {
                List<RecordedEvent> out = new ArrayList<>();
                boolean found = false;
                while (rs.next()) {
                    if (!found) {
                        found = true;
                        if (rs.getLong(1) < 0) throw new StreamNotFoundException(stream);
                        if (rs.getBoolean(2)) throw new StreamDeletedException(stream);
                    }
                    if (rs.getObject(3) != null) out.add(event(rs, 3));
                }
                if (!found) throw new StreamNotFoundException(stream);
                return out;
            }
        } catch (SQLException e) {
            throw failure("reading stream '" + stream + "'", e);
        }
    }

    /**
     * A filtered read looks at this many positions at most (or 4 times its limit, if more), so
     * that its cost is bounded however rare the matching events are; {@code next} then points
     * past the window and the caller reads on from there.
     */
    static final int FILTER_WINDOW = 20_000;

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AppendValidation.checkPosition(fromPosition);
        int limit = AppendValidation.checkCount(maxCount);
        EventFilter f = filter == null ? EventFilter.all() : filter;
        long from = Math.max(1, fromPosition);
        if (f.isAll()) {
            return readAllUnfiltered(from, limit);
        }
        long window = Math.max(FILTER_WINDOW, 4L * limit);
        StringBuilder where = new StringBuilder("e.position >= ?");
        if (!f.isAll()) where.append(" AND e.position < ?");
        if (!f.categories().isEmpty()) where.append(" AND e.category = ANY(?)");
        if (!f.eventTypes().isEmpty()) where.append(" AND e.type = ANY(?)");
        // The head comes from the same snapshot as the events, so "nothing more up to the head"
        // is a statement about exactly what this read could see.
        String sql = "SELECT h.position, " + EVENT_COLUMNS.replace("e.", "r.") + " FROM facta_log_head h"
                + " LEFT JOIN LATERAL (SELECT * FROM facta_events e WHERE " + where
                + " ORDER BY e.position LIMIT ?) r ON true WHERE h.id = 1 ORDER BY r.position";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setLong(i++, from);
            if (!f.isAll()) ps.setLong(i++, from + window);
            if (!f.categories().isEmpty()) ps.setArray(i++, c.createArrayOf("text", f.categories().toArray()));
            if (!f.eventTypes().isEmpty()) ps.setArray(i++, c.createArrayOf("text", f.eventTypes().toArray()));
            ps.setInt(i, limit);
            ps.setFetchSize(Math.min(limit, 5_000) + 1);
            try (ResultSet rs = ps.executeQuery()) {
                List<RecordedEvent> out = new ArrayList<>(Math.min(limit, 1024));
                Map<String, StreamId> streams = new HashMap<>();
                long head = 0;
                while (rs.next()) {
                    head = rs.getLong(1);
                    if (rs.getObject(2) != null) out.add(event(rs, 2, streams));
                }
                if (out.size() == limit && limit > 0) {
                    long next = out.getLast().position() + 1;
                    return new AllSlice(out, next, next > head);
                }
                long next = Math.max(from, Math.min(head + 1, from + window));
                return new AllSlice(out, next, next > head);
            }
        } catch (SQLException e) {
            throw failure("reading the global log", e);
        }
    }

    /**
     * Without a filter no head is needed: positions are dense and committed in order, so a short
     * page means this snapshot had nothing more, and the next read starts right after it.
     */
    private AllSlice readAllUnfiltered(long from, int limit) {
        String sql = "SELECT " + EVENT_COLUMNS + " FROM facta_events e WHERE e.position >= ? ORDER BY e.position LIMIT ?";
        boolean cursor = limit > 2_000;
        try (Connection c = dataSource.getConnection()) {
            // a large page goes through a cursor, so that it streams instead of arriving all at once
            if (cursor) c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, from);
                ps.setInt(2, limit);
                ps.setFetchSize(Math.min(limit, 2_000));
                List<RecordedEvent> out = new ArrayList<>(Math.min(limit, 1024));
                Map<String, StreamId> streams = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(event(rs, 1, streams));
                }
                if (cursor) c.commit();
                long next = out.isEmpty() ? from : out.getLast().position() + 1;
                return new AllSlice(out, next, out.size() < limit || limit == 0);
            } finally {
                if (cursor) c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("reading the global log", e);
        }
    }

    private static RecordedEvent event(ResultSet rs, int col) throws SQLException {
        return event(rs, col, null);
    }

    private static RecordedEvent event(ResultSet rs, int col, Map<String, StreamId> streams) throws SQLException {
        long position = rs.getLong(col);
        UUID id = rs.getObject(col + 1, UUID.class);
        String name = rs.getString(col + 2);
        StreamId stream = streams == null ? StreamId.of(name) : streams.computeIfAbsent(name, StreamId::of);
        long version = rs.getLong(col + 3);
        String type = rs.getString(col + 4);
        // pgjdbc hands out a text column's bytes as they came, already UTF-8: no decode and re-encode
        byte[] data = rs.getBytes(col + 5);
        var metadata = MetadataCodec.fromJson(rs.getString(col + 6));
        long micros = rs.getLong(col + 7);
        Instant recordedAt = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
        return new RecordedEvent(id, stream, version, position, type, data, metadata, recordedAt);
    }

    @Override
    public long headPosition() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT position FROM facta_log_head WHERE id = 1"); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw failure("reading the head position", e);
        }
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        List<StreamInfo> found = streams("WHERE stream = ?", stream.value(), 1);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        int n = AppendValidation.checkCount(limit);
        return afterStream == null ? streams("", null, n) : streams("WHERE stream > ?", afterStream, n);
    }

    private List<StreamInfo> streams(String where, String arg, int limit) {
        String sql = "SELECT stream, version, deleted, max_count, max_age_ms, truncate_before FROM facta_streams "
                + where + " ORDER BY stream LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (arg != null) ps.setString(i++, arg);
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<StreamInfo> out = new ArrayList<>();
                while (rs.next()) {
                    Long maxCount = (Long) rs.getObject(4);
                    Long maxAge = (Long) rs.getObject(5);
                    Long truncate = (Long) rs.getObject(6);
                    out.add(new StreamInfo(StreamId.of(rs.getString(1)), rs.getLong(2), rs.getBoolean(3),
                            new StreamMetadata(maxCount, maxAge == null ? null : Duration.ofMillis(maxAge), truncate)));
                }
                return out;
            }
        } catch (SQLException e) {
            throw failure("listing streams", e);
        }
    }

    // ---- stream administration -------------------------------------------------------------

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                // Take the append lock, so no append can slip between the check and the delete.
                try (PreparedStatement ps = c.prepareStatement(LOCK_HEAD)) {
                    ps.executeQuery().close();
                }
                long version;
                try (PreparedStatement ps = c.prepareStatement("SELECT version, deleted FROM facta_streams WHERE stream = ?")) {
                    ps.setString(1, stream.value());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next() || rs.getLong(1) < 0) throw new StreamNotFoundException(stream);
                        if (rs.getBoolean(2)) throw new StreamDeletedException(stream);
                        version = rs.getLong(1);
                    }
                }
                if (!expected.matches(version)) throw new WrongExpectedVersionException(stream, expected, version);
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE facta_streams SET deleted = true, updated_at = now() WHERE stream = ?;"
                                + " UPDATE facta_log_head SET epoch = epoch + 1 WHERE id = 1")) {
                    ps.setString(1, stream.value());
                    ps.execute();
                }
                c.commit();
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("deleting stream '" + stream + "'", e);
        }
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        StreamMetadata m = metadata == null ? StreamMetadata.none() : metadata;
        String sql = "INSERT INTO facta_streams (stream, category, max_count, max_age_ms, truncate_before)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT ON CONSTRAINT facta_streams_pkey DO UPDATE SET max_count = excluded.max_count,"
                + " max_age_ms = excluded.max_age_ms, truncate_before = excluded.truncate_before, updated_at = now()";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, stream.value());
            ps.setString(2, stream.category());
            setNullableLong(ps, 3, m.maxCount());
            setNullableLong(ps, 4, m.maxAge() == null ? null : m.maxAge().toMillis());
            setNullableLong(ps, 5, m.truncateBefore());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("setting metadata of stream '" + stream + "'", e);
        }
    }

    private static void setNullableLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, Types.BIGINT);
        else ps.setLong(i, v);
    }

    @Override
    public String describe() {
        return description;
    }

    /** The LISTEN/NOTIFY channel of a schema's log: every store instance on it, in any process, shares it. */
    static String channelFor(String schema) {
        String c = "facta_log_" + schema;
        return c.length() <= 63 ? c : "facta_log_" + Integer.toHexString(schema.hashCode());
    }

    /**
     * Tells the listener whenever any instance on this schema, in any process, commits an append:
     * appends send a NOTIFY inside their transaction, and one connection of this store LISTENs
     * (started with the first listener, reconnecting after failures).
     */
    @Override
    public synchronized AutoCloseable onAppend(Runnable listener) {
        appendListeners.add(listener);
        if (listenerThread == null) {
            listenerThread = Thread.ofVirtual().name("facta-listen-" + schema).start(this::listen);
        }
        return () -> appendListeners.remove(listener);
    }

    private void listen() {
        while (!closing) {
            try (Connection c = dataSource.getConnection(); java.sql.Statement st = c.createStatement()) {
                st.execute("LISTEN " + PostgresMigrations.quote(channel));
                org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
                fireListeners(); // anything committed while we were not listening is found by reading
                while (!closing) {
                    org.postgresql.PGNotification[] got = pg.getNotifications(250);
                    if (got != null && got.length > 0) fireListeners();
                }
            } catch (SQLException | RuntimeException e) {
                if (closing) return;
                LOG.log(System.Logger.Level.WARNING, "LISTEN on " + channel + " failed; retrying in 1 s: " + e.getMessage());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void fireListeners() {
        for (Runnable r : appendListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "append listener failed", e);
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        Thread t;
        synchronized (this) {
            t = listenerThread;
        }
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        coalescer.close();
        if (ownedPool != null) ownedPool.close();
    }

    private static FactaException failure(String what, SQLException e) {
        return new FactaException(what + " failed in PostgreSQL (" + e.getSQLState() + "): " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Connection c) {
        if (c == null) return;
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "rollback failed", e);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the pool discards broken connections itself
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a connection failed", e);
        }
    }
}

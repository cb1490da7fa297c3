package dev.facta.sqlite;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.AppendCoalescer;
import dev.facta.internal.AppendPlanner;
import dev.facta.internal.AppendValidation;
import dev.facta.internal.MetadataCodec;
import dev.facta.internal.PreparedAppend;
import dev.facta.internal.PreparedEvent;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
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
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The embedded event store: one SQLite file in WAL mode.
 *
 * <p>Invariants, and how they are kept:
 * <ul>
 * <li>One write transaction at a time per file, across threads and processes: every write takes
 * {@code BEGIN IMMEDIATE}, SQLite's file-level write lock. Within this process all appends go
 * through one writer connection fed by the {@link AppendCoalescer}, which merges whatever has
 * queued up into one transaction (group commit).
 * <li>Positions are dense and strictly increasing in commit order: the head position and every
 * stream's version are read inside the write transaction, never cached across transactions, so
 * another process writing to the same file in between is always accounted for. A transaction
 * that rolls back leaves no position behind, and a reader (WAL snapshot) sees a prefix of the
 * log, so the global log has no gaps to wait for.
 * <li>A batch is all or nothing: it is one transaction, and callers learn their outcome only
 * after it committed. If the batch fails on a unique key (an event id already stored under
 * another stream, which the planner only looks up where a retry is possible), it is replanned
 * one request at a time with every id checked, each in its own savepoint, so only the culprit
 * fails.
 * <li>Expected versions and idempotent retries follow {@link AppendPlanner}, and input checks
 * {@link AppendValidation}, exactly as in every other store.
 * <li>Reads run on a small pool of read-only connections, each read in one transaction so it
 * sees one consistent snapshot.
 * </ul>
 *
 * <p>Durability: see {@link Synchronous}. The default is {@link Synchronous#FULL}, so an
 * acknowledged append survives a power cut, as it does on PostgreSQL with its defaults. Measured
 * on the development VM (8 writers), FULL cost about a third of the throughput of single-event
 * appends and a sixth of ten-event appends compared with NORMAL, because group commit shares
 * one flush among all appends of a batch; that price buys "nothing acknowledged is lost".
 */
public final class SqliteEventStore implements EventStore, dev.facta.store.AppendNotifier {
    private final java.util.List<Runnable> appendListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Tells listeners of appends committed by this store instance (another process's appends are found by polling). */
    @Override
    public AutoCloseable onAppend(Runnable listener) {
        appendListeners.add(listener);
        return () -> appendListeners.remove(listener);
    }


    /**
     * How hard a commit pushes to disk ({@code PRAGMA synchronous} in WAL mode).
     */
    public enum Synchronous {
        /**
         * Every commit is flushed to the WAL on disk before the append returns: an acknowledged
         * append survives a power cut or OS crash. Group commit shares one flush among all the
         * appends of a batch.
         */
        FULL,
        /**
         * Commits reach the OS but are flushed only at checkpoints: an acknowledged append
         * survives the process crashing, yet the last transactions may be lost (never
         * half-written) if the machine loses power. Faster where flushes are slow.
         */
        NORMAL
    }

    private static final System.Logger LOG = System.getLogger(SqliteEventStore.class.getName());

    private static final String EVENT_COLUMNS = "position, id, stream, version, type, data, metadata, recorded_at";
    private static final String INSERT_EVENT = "INSERT INTO events (position, id, stream, version, category, type,"
            + " data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPSERT_VERSION = "INSERT INTO streams (stream, version) VALUES (?, ?)"
            + " ON CONFLICT (stream) DO UPDATE SET version = excluded.version";
    private static final String SELECT_HEAD = "SELECT COALESCE(MAX(position), 0) FROM events";
    private static final String SELECT_STREAM = "SELECT stream, version, deleted, max_count, max_age_ms,"
            + " truncate_before FROM streams";

    private final Path path;
    private final StoreLimits limits;
    private final Clock clock;
    private final Consumer<List<AppendResult>> beforeCommit;
    private final List<AppendHook> appendHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Duration busyTimeout;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Db writer;
    private final ReaderPool readers;
    private final AppendCoalescer coalescer;
    private final AppendPlanner.Lookup lookup;
    private final int schemaVersion;
    private volatile boolean closed;
    private boolean writerClosed; // guarded by writeLock

    private SqliteEventStore(Builder b, Path path, Db writer) throws SQLException {
        this.path = path;
        this.limits = b.limits;
        this.clock = b.clock;
        this.beforeCommit = b.beforeCommit;
        this.busyTimeout = b.busyTimeout;
        this.writer = writer;
        SqliteSchema.migrate(writer.connection());
        this.schemaVersion = SqliteSchema.currentVersion(writer.connection());
        this.lookup = new WriterLookup();
        this.readers = new ReaderPool(b.readers, () -> connect(path, true, b));
        this.coalescer = new AppendCoalescer(path.getFileName().toString(), b.maxBatchEvents, this::writeBatch);
    }

    /** Opens (creating and migrating as needed) the store in the file at {@code path}. */
    public static SqliteEventStore open(Path path) {
        return builder(path).open();
    }

    public static SqliteEventStore open(String path) {
        return open(Path.of(path));
    }

    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** The store's settings; every one has a sensible default. */
    public static final class Builder {
        private final Path path;
        private StoreLimits limits = StoreLimits.DEFAULT;
        private Synchronous synchronous = Synchronous.FULL;
        private Duration busyTimeout = Duration.ofSeconds(30);
        private int readers = 4;
        private int maxBatchEvents = 2_000;
        private long cacheKib = 8 * 1024;
        private Clock clock = Clock.systemUTC();
        private Consumer<List<AppendResult>> beforeCommit = results -> { };

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        public Builder limits(StoreLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public Builder synchronous(Synchronous synchronous) {
            this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
            return this;
        }

        /** How long a write waits for another process's write transaction before failing. */
        public Builder busyTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("busy timeout out of range: " + timeout);
            }
            this.busyTimeout = timeout;
            return this;
        }

        /** How many read-only connections reads may use at once. */
        public Builder readers(int readers) {
            if (readers < 1) throw new IllegalArgumentException("readers must be >= 1");
            this.readers = readers;
            return this;
        }

        /** The most events group commit puts into one transaction (a larger single append still goes alone). */
        public Builder maxBatchEvents(int maxBatchEvents) {
            if (maxBatchEvents < 1) throw new IllegalArgumentException("maxBatchEvents must be >= 1");
            this.maxBatchEvents = maxBatchEvents;
            return this;
        }

        /** SQLite page cache per connection, in KiB. */
        public Builder cacheKib(long kib) {
            if (kib < 0) throw new IllegalArgumentException("cache size must be >= 0");
            this.cacheKib = kib;
            return this;
        }

        /** Where recorded times and stream max-age checks come from. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * A hook run inside each append transaction just before it commits, with the appends
         * about to be committed. Throwing from it rolls the whole batch back and fails every
         * append in it; tests use it to prove a failed batch leaves nothing.
         */
        Builder beforeCommit(Consumer<List<AppendResult>> hook) {
            this.beforeCommit = Objects.requireNonNull(hook, "hook");
            return this;
        }

        public SqliteEventStore open() {
            Path file = path.toAbsolutePath().normalize();
            try {
                Path parent = file.getParent();
                if (parent != null) Files.createDirectories(parent);
            } catch (IOException e) {
                throw new FactaException("cannot create the directory for the SQLite file " + file + ": " + e, e);
            }
            Db writer = null;
            try {
                writer = connect(file, false, this);
                return new SqliteEventStore(this, file, writer);
            } catch (SQLException | RuntimeException e) {
                if (writer != null) writer.close();
                if (e instanceof FactaException fe) throw fe;
                throw new FactaException("cannot open the SQLite event store at " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static Db connect(Path file, boolean readOnly, Builder b) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(readOnly);
        config.setBusyTimeout((int) b.busyTimeout.toMillis());
        Db db = new Db(DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties()));
        try {
            if (!readOnly) {
                String mode = queryString(db, "PRAGMA journal_mode = WAL");
                if (!"wal".equalsIgnoreCase(mode)) {
                    throw new FactaException("SQLite could not switch " + file + " to WAL mode (it reports '" + mode
                            + "'); the file must be on a local file system that supports shared memory");
                }
                // Bounds the WAL file that a burst of writes leaves behind after a checkpoint.
                db.exec("PRAGMA journal_size_limit = " + (64L * 1024 * 1024));
                // Deleted rows (a read model purged after a forget, a destroyed data key) are
                // overwritten with zeros rather than left readable in free pages of the file.
                db.exec("PRAGMA secure_delete = ON");
            }
            db.exec("PRAGMA synchronous = " + b.synchronous.name());
            db.exec("PRAGMA cache_size = -" + b.cacheKib);
            db.exec("PRAGMA temp_store = MEMORY");
            return db;
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    private static String queryString(Db db, String sql) throws SQLException {
        try (var s = db.connection().createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The file this store keeps its events in. */
    public Path path() {
        return path;
    }

    /** The store's clock, for the other tables of the file (leases, read-model times). */
    Clock clock() {
        return clock;
    }

    /** The schema version of the file, {@link SqliteSchema#LATEST} once opened. */
    public int schemaVersion() {
        return schemaVersion;
    }

    // ---------------------------------------------------------------- appends

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        PreparedAppend prepared = AppendValidation.prepare(stream, expected, events, limits);
        ensureOpen();
        refuseNested("append");
        return coalescer.append(prepared);
    }

    /** Runs on the coalescer's single thread: one batch, one transaction. */
    private void writeBatch(List<AppendCoalescer.Pending> batch) {
        List<PreparedAppend> appends = new ArrayList<>(batch.size());
        for (AppendCoalescer.Pending p : batch) appends.add(p.append());
        List<AppendPlanner.Outcome> outcomes;
        writeLock.lock();
        try {
            ensureWriterOpen();
            try {
                outcomes = inWriteTransaction(() -> writeTogether(appends));
            } catch (HookFailed e) {
                // A hook (an inline projection) refused the batch, which is rolled back: alone, the
                // append fails with the hook's error; in a group, each append is written again in
                // its own savepoint so only the one the hook refuses fails.
                if (appends.size() == 1) {
                    outcomes = List.of(new AppendPlanner.Failed(e.error()));
                } else {
                    try {
                        outcomes = inWriteTransaction(() -> writeOneByOne(appends));
                    } catch (SQLException again) {
                        throw storeError("append", again);
                    }
                }
            } catch (SQLException e) {
                if (!isConstraintViolation(e)) throw storeError("append", e);
                LOG.log(System.Logger.Level.DEBUG, "batch of {0} appends hit a unique key; replanning one by one",
                        appends.size());
                try {
                    outcomes = inWriteTransaction(() -> writeOneByOne(appends));
                } catch (SQLException again) {
                    throw storeError("append", again);
                }
            }
        } finally {
            writeLock.unlock();
        }
        // Only now, after the commit, may any caller learn its outcome.
        boolean wrote = false;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).resolve(outcomes.get(i));
            wrote |= outcomes.get(i) instanceof AppendPlanner.Write;
        }
        if (wrote) {
            for (Runnable r : appendListeners) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "append listener failed", e);
                }
            }
        }
    }

    private List<AppendPlanner.Outcome> writeTogether(List<PreparedAppend> appends) throws SQLException {
        AppendPlanner.Plan plan = AppendPlanner.plan(appends, head(writer), lookup, false);
        long now = nowMicros();
        insert(plan, now);
        runAppendHooks(plan.writes(), now);
        runBeforeCommit(plan.writes());
        return plan.outcomes();
    }

    private List<AppendPlanner.Outcome> writeOneByOne(List<PreparedAppend> appends) throws SQLException {
        List<AppendPlanner.Outcome> outcomes = new ArrayList<>(appends.size());
        List<AppendPlanner.Write> writes = new ArrayList<>();
        long now = nowMicros();
        for (PreparedAppend a : appends) {
            writer.exec("SAVEPOINT one_append");
            try {
                AppendPlanner.Plan plan = AppendPlanner.plan(List.of(a), head(writer), lookup, true);
                insert(plan, now);
                runAppendHooks(plan.writes(), now);
                writer.exec("RELEASE one_append");
                outcomes.add(plan.outcomes().getFirst());
                writes.addAll(plan.writes());
            } catch (HookFailed e) {
                writer.exec("ROLLBACK TO one_append");
                writer.exec("RELEASE one_append");
                outcomes.add(new AppendPlanner.Failed(e.error()));
            } catch (SQLException | LookupFailed e) {
                writer.exec("ROLLBACK TO one_append");
                writer.exec("RELEASE one_append");
                SQLException cause = e instanceof LookupFailed lf ? (SQLException) lf.getCause() : (SQLException) e;
                outcomes.add(new AppendPlanner.Failed(storeError("append", cause)));
            }
        }
        runBeforeCommit(writes);
        return outcomes;
    }

    /**
     * Work run inside an append transaction after its events were inserted and before it commits,
     * on the writer connection, with the events as readers will see them (ascending positions).
     * Throwing fails the appends it was given and rolls their events back; the other appends of a
     * group commit are written without them. Inline projections use it.
     */
    @FunctionalInterface
    interface AppendHook {
        void run(Db writer, List<RecordedEvent> recorded) throws SQLException;
    }

    /** Runs {@code hook} in every later append transaction, until the returned handle is closed. */
    AutoCloseable addAppendHook(AppendHook hook) {
        Objects.requireNonNull(hook, "hook");
        appendHooks.add(hook);
        return () -> appendHooks.remove(hook);
    }

    /** A hook's error, carried out of the transaction so it is rolled back. */
    private static final class HookFailed extends RuntimeException {
        private final RuntimeException error;

        HookFailed(RuntimeException error) {
            super(error.toString(), error, false, false);
            this.error = error;
        }

        RuntimeException error() {
            return error;
        }
    }

    private void runAppendHooks(List<AppendPlanner.Write> writes, long recordedAtMicros) {
        if (appendHooks.isEmpty() || writes.isEmpty()) return;
        Instant recordedAt = instantOfMicros(recordedAtMicros);
        List<RecordedEvent> recorded = new ArrayList<>();
        for (AppendPlanner.Write w : writes) {
            long version = w.firstVersion();
            long position = w.firstPosition();
            for (PreparedEvent e : w.append().events()) {
                recorded.add(new RecordedEvent(e.id(), w.append().stream(), version++, position++, e.type(),
                        e.data().getBytes(java.nio.charset.StandardCharsets.UTF_8), MetadataCodec.fromJson(e.metadataJson()),
                        recordedAt));
            }
        }
        List<RecordedEvent> view = java.util.Collections.unmodifiableList(recorded);
        for (AppendHook hook : appendHooks) {
            try {
                hook.run(writer, view);
            } catch (SQLException e) {
                throw new HookFailed(storeError("append (in a hook)", e));
            } catch (RuntimeException e) {
                throw new HookFailed(e);
            }
        }
    }

    private void runBeforeCommit(List<AppendPlanner.Write> writes) {
        List<AppendResult> results = new ArrayList<>(writes.size());
        for (AppendPlanner.Write w : writes) results.add(w.result());
        beforeCommit.accept(results);
    }

    private void insert(AppendPlanner.Plan plan, long recordedAtMicros) throws SQLException {
        if (plan.writes().isEmpty()) return;
        PreparedStatement ps = writer.prepare(INSERT_EVENT);
        try {
            for (AppendPlanner.Write w : plan.writes()) {
                StreamId stream = w.append().stream();
                String name = stream.value();
                String category = stream.category();
                long version = w.firstVersion();
                long position = w.firstPosition();
                for (PreparedEvent e : w.append().events()) {
                    ps.setLong(1, position++);
                    ps.setBytes(2, uuidBytes(e.id()));
                    ps.setString(3, name);
                    ps.setLong(4, version++);
                    ps.setString(5, category);
                    ps.setString(6, e.type());
                    ps.setString(7, e.data());
                    ps.setString(8, e.metadataJson());
                    ps.setLong(9, recordedAtMicros);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        } finally {
            ps.clearBatch();
        }
        PreparedStatement up = writer.prepare(UPSERT_VERSION);
        try {
            for (Map.Entry<StreamId, Long> e : plan.versions().entrySet()) {
                up.setString(1, e.getKey().value());
                up.setLong(2, e.getValue());
                up.addBatch();
            }
            up.executeBatch();
        } finally {
            up.clearBatch();
        }
    }

    /** The planner's view of committed state, read inside the current write transaction. */
    private final class WriterLookup implements AppendPlanner.Lookup {
        @Override
        public Map<StreamId, AppendPlanner.StreamState> states(Set<StreamId> streams) {
            Map<StreamId, AppendPlanner.StreamState> out = new HashMap<>();
            try {
                PreparedStatement ps = writer.prepare("SELECT version, deleted FROM streams WHERE stream = ?");
                for (StreamId s : streams) {
                    ps.setString(1, s.value());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) out.put(s, new AppendPlanner.StreamState(rs.getLong(1), rs.getInt(2) != 0));
                    }
                }
            } catch (SQLException e) {
                throw new LookupFailed(e);
            }
            return out;
        }

        @Override
        public Map<UUID, AppendPlanner.Existing> existing(Collection<UUID> ids) {
            Map<UUID, AppendPlanner.Existing> out = new HashMap<>();
            try {
                PreparedStatement ps = writer.prepare("SELECT stream, version, position FROM events WHERE id = ?");
                for (UUID id : ids) {
                    ps.setBytes(1, uuidBytes(id));
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            out.put(id, new AppendPlanner.Existing(id, rs.getString(1), rs.getLong(2), rs.getLong(3)));
                        }
                    }
                }
            } catch (SQLException e) {
                throw new LookupFailed(e);
            }
            return out;
        }
    }

    /** Carries an SQLException through the planner, which only knows unchecked exceptions. */
    private static final class LookupFailed extends RuntimeException {
        LookupFailed(SQLException cause) {
            super(cause);
        }
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private <T> T inWriteTransaction(SqlWork<T> work) throws SQLException {
        writer.exec("BEGIN IMMEDIATE");
        try {
            T result = work.run();
            writer.exec("COMMIT");
            return result;
        } catch (LookupFailed e) {
            writer.rollbackQuietly(e);
            throw (SQLException) e.getCause();
        } catch (Throwable t) {
            writer.rollbackQuietly(t);
            throw t;
        }
    }

    // ---------------------------------------------------------------- other writes

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        Objects.requireNonNull(stream, "stream");
        if (expected == null) throw new InvalidInputException("expectedVersion", "expected version is missing");
        write("delete stream", () -> {
            StreamRow row = streamRow(writer, stream);
            if (row == null || row.version < 0) throw new StreamNotFoundException(stream);
            if (row.deleted) throw new StreamDeletedException(stream);
            if (!expected.matches(row.version)) throw new WrongExpectedVersionException(stream, expected, row.version);
            PreparedStatement ps = writer.prepare("UPDATE streams SET deleted = 1 WHERE stream = ?");
            ps.setString(1, stream.value());
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        Objects.requireNonNull(stream, "stream");
        StreamMetadata m = metadata == null ? StreamMetadata.none() : metadata;
        write("set stream metadata", () -> {
            PreparedStatement ps = writer.prepare("INSERT INTO streams (stream, version, max_count, max_age_ms,"
                    + " truncate_before) VALUES (?, -1, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET"
                    + " max_count = excluded.max_count, max_age_ms = excluded.max_age_ms,"
                    + " truncate_before = excluded.truncate_before");
            ps.setString(1, stream.value());
            setNullableLong(ps, 2, m.maxCount());
            setNullableLong(ps, 3, m.maxAge() == null ? null : ceilMillis(m.maxAge()));
            setNullableLong(ps, 4, m.truncateBefore());
            ps.executeUpdate();
            return null;
        });
    }

    /**
     * Writes outside the append path share the writer connection under the write lock, so they
     * queue behind the current batch instead of spinning on SQLite's busy handler.
     */
    private <T> T write(String what, SqlWork<T> work) {
        ensureOpen();
        refuseNested(what);
        writeLock.lock();
        try {
            ensureWriterOpen();
            return inWriteTransaction(work);
        } catch (SQLException e) {
            throw storeError(what, e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A write from inside one of this store's write transactions (a projection transaction, an
     * inline projection) would begin a second transaction on the same connection, or wait for
     * itself; it is refused instead, before anything is written.
     */
    private void refuseNested(String what) {
        if (writeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("cannot " + what + " inside a write transaction of the same SQLite store;"
                    + " write through the transaction instead");
        }
    }

    /**
     * Lets the other tables of this file (snapshots) write through the same writer connection and
     * write lock as the events, so this process never has two connections contending for
     * SQLite's single write lock.
     */
    <T> T writeWith(String what, DbWork<T> work) {
        return write(what, () -> work.run(writer));
    }

    // ---------------------------------------------------------------- reads

    /** Work on one connection, within a transaction someone else opened and ends. */
    @FunctionalInterface
    interface DbWork<T> {
        T run(Db db) throws SQLException;
    }

    /**
     * Runs a read in one read transaction, so everything it reads comes from one snapshot. Package
     * private so the snapshot store reads on the same reader pool.
     */
    <T> T read(DbWork<T> work) {
        ensureOpen();
        Db db;
        try {
            db = readers.borrow();
        } catch (SQLException e) {
            throw storeError("read", e);
        }
        boolean broken = false;
        try {
            db.exec("BEGIN");
            try {
                T result = work.run(db);
                db.exec("COMMIT");
                return result;
            } catch (Throwable t) {
                db.rollbackQuietly(t);
                throw t;
            }
        } catch (SQLException e) {
            broken = true;
            throw storeError("read", e);
        } finally {
            readers.release(db, broken);
        }
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        Objects.requireNonNull(stream, "stream");
        AppendValidation.checkVersion(fromVersion);
        int limit = AppendValidation.checkCount(maxCount);
        ReadDirection dir = direction == null ? ReadDirection.FORWARD : direction;
        return read(db -> {
            StreamRow row = streamRow(db, stream);
            if (row == null || row.version < 0) throw new StreamNotFoundException(stream);
            if (row.deleted) throw new StreamDeletedException(stream);
            long last = row.version;
            long firstVisible = row.metadata.firstVisibleVersion(last);
            long lo;
            long hi;
            if (dir == ReadDirection.FORWARD) {
                lo = Math.max(fromVersion, firstVisible);
                hi = last;
            } else {
                lo = firstVisible;
                hi = Math.min(fromVersion, last);
            }
            if (limit == 0 || lo > hi) return List.of();
            long recordedFrom = row.metadata.maxAge() == null ? Long.MIN_VALUE : ageCutoffMicros(row.metadata.maxAge());
            PreparedStatement ps = db.prepare("SELECT " + EVENT_COLUMNS + " FROM events"
                    + " WHERE stream = ? AND version >= ? AND version <= ? AND recorded_at >= ?"
                    + " ORDER BY version " + (dir == ReadDirection.FORWARD ? "ASC" : "DESC") + " LIMIT ?");
            ps.setString(1, stream.value());
            ps.setLong(2, lo);
            ps.setLong(3, hi);
            ps.setLong(4, recordedFrom);
            ps.setInt(5, limit);
            List<RecordedEvent> out = new ArrayList<>((int) Math.min(limit, hi - lo + 1));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(event(rs, stream));
            }
            return out;
        });
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AppendValidation.checkPosition(fromPosition);
        int limit = AppendValidation.checkCount(maxCount);
        EventFilter f = filter == null ? EventFilter.all() : filter;
        long start = Math.max(1, fromPosition);
        return read(db -> {
            // Without a filter the head is not needed: positions are dense and in commit order,
            // so a short page means this snapshot holds nothing more.
            long head = f.isAll() && limit > 0 ? -1 : head(db);
            if (head >= 0 && (limit == 0 || start > head)) return new AllSlice(List.of(), start, start > head);
            StringBuilder sql = new StringBuilder("SELECT ").append(EVENT_COLUMNS).append(" FROM events WHERE position >= ?");
            List<String> args = new ArrayList<>();
            if (!f.categories().isEmpty()) {
                sql.append(" AND category IN (").append(placeholders(f.categories().size())).append(')');
                args.addAll(f.categories());
            }
            if (!f.eventTypes().isEmpty()) {
                sql.append(" AND type IN (").append(placeholders(f.eventTypes().size())).append(')');
                args.addAll(f.eventTypes());
            }
            sql.append(" ORDER BY position LIMIT ?");
            PreparedStatement ps = db.prepare(sql.toString());
            int i = 1;
            ps.setLong(i++, start);
            for (String a : args) ps.setString(i++, a);
            ps.setInt(i, limit);
            List<RecordedEvent> out = new ArrayList<>(Math.min(limit, 1024));
            Map<String, StreamId> ids = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(event(rs, ids.computeIfAbsent(rs.getString(3), StreamId::of)));
            }
            if (head < 0) {
                long next = out.isEmpty() ? start : out.getLast().position() + 1;
                return new AllSlice(out, next, out.size() < limit);
            }
            // A full page stops right after its last event; a short one has looked at everything up to the head.
            long next = out.size() == limit ? out.getLast().position() + 1 : head + 1;
            return new AllSlice(out, next, next > head);
        });
    }

    @Override
    public long headPosition() {
        return read(SqliteEventStore::head);
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        Objects.requireNonNull(stream, "stream");
        return read(db -> Optional.ofNullable(streamRow(db, stream)).map(StreamRow::info));
    }

    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        int n = AppendValidation.checkCount(limit);
        String after = afterStream == null ? null : StreamId.of(afterStream).value();
        return read(db -> {
            if (n == 0) return List.of();
            PreparedStatement ps = db.prepare(SELECT_STREAM + (after == null ? "" : " WHERE stream > ?")
                    + " ORDER BY stream LIMIT ?");
            int i = 1;
            if (after != null) ps.setString(i++, after);
            ps.setInt(i, n);
            List<StreamInfo> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(streamRow(rs, StreamId.of(rs.getString(1))).info());
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- rows

    private record StreamRow(StreamId stream, long version, boolean deleted, StreamMetadata metadata) {
        StreamInfo info() {
            return new StreamInfo(stream, version, deleted, metadata);
        }
    }

    private static StreamRow streamRow(Db db, StreamId stream) throws SQLException {
        PreparedStatement ps = db.prepare(SELECT_STREAM + " WHERE stream = ?");
        ps.setString(1, stream.value());
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? streamRow(rs, stream) : null;
        }
    }

    private static StreamRow streamRow(ResultSet rs, StreamId stream) throws SQLException {
        Long maxCount = nullableLong(rs, 4);
        Long maxAgeMs = nullableLong(rs, 5);
        Long truncateBefore = nullableLong(rs, 6);
        StreamMetadata m = maxCount == null && maxAgeMs == null && truncateBefore == null ? StreamMetadata.none()
                : new StreamMetadata(maxCount, maxAgeMs == null ? null : Duration.ofMillis(maxAgeMs), truncateBefore);
        return new StreamRow(stream, rs.getLong(2), rs.getInt(3) != 0, m);
    }

    private static RecordedEvent event(ResultSet rs, StreamId stream) throws SQLException {
        return new RecordedEvent(uuid(rs.getBytes(2)), stream, rs.getLong(4), rs.getLong(1), rs.getString(5),
                rs.getBytes(6), MetadataCodec.fromJson(rs.getString(7)), instantOfMicros(rs.getLong(8)));
    }

    private static long head(Db db) throws SQLException {
        try (ResultSet rs = db.prepare(SELECT_HEAD).executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------- helpers

    private long nowMicros() {
        Instant now = clock.instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
    }

    /** The smallest recorded time, in micros, that {@link StreamMetadata#visibleByAge} still shows. */
    private long ageCutoffMicros(Duration maxAge) {
        try {
            Instant cutoff = clock.instant().minus(maxAge);
            long micros = Math.multiplyExact(cutoff.getEpochSecond(), 1_000_000L);
            return Math.addExact(micros, (cutoff.getNano() + 999) / 1_000);
        } catch (ArithmeticException | DateTimeException e) {
            return Long.MIN_VALUE; // an age reaching before any representable time hides nothing
        }
    }

    static Instant instantOfMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** Sub-millisecond ages round up, so a stored max age never hides more than was asked. */
    private static long ceilMillis(Duration d) {
        try {
            long ms = d.toMillis();
            return d.toNanosPart() % 1_000_000 != 0 ? ms + 1 : ms;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static byte[] uuidBytes(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }

    static UUID uuid(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new UUID(buf.getLong(), buf.getLong());
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static void setNullableLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, java.sql.Types.INTEGER);
        else ps.setLong(i, v);
    }

    private static String placeholders(int n) {
        return "?" + ",?".repeat(n - 1);
    }

    private static boolean isConstraintViolation(SQLException e) {
        return (e.getErrorCode() & 0xFF) == 19; // SQLITE_CONSTRAINT and its extended codes
    }

    private FactaException storeError(String what, SQLException e) {
        String hint = (e.getErrorCode() & 0xFF) == 5 // SQLITE_BUSY
                ? " (another connection held the write lock for longer than the busy timeout of "
                + busyTimeout.toMillis() + " ms)" : "";
        return new FactaException("SQLite " + what + " failed on " + path + ": " + e.getMessage() + hint, e);
    }

    private void ensureOpen() {
        if (closed) throw new FactaException("event store is closed");
    }

    /**
     * Checked under the write lock, where close() shuts the writer connection. Batches queued
     * before close() are still written: close() lets the coalescer finish them first.
     */
    private void ensureWriterOpen() {
        if (writerClosed) throw new FactaException("event store is closed");
    }

    @Override
    public String describe() {
        return "sqlite:" + path;
    }

    @Override
    public String toString() {
        return "SqliteEventStore[" + path + "]";
    }

    /** Writes what was already queued, then closes every connection. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        coalescer.close();
        readers.close();
        writeLock.lock();
        try {
            writerClosed = true;
            writer.close();
        } finally {
            writeLock.unlock();
        }
    }
}

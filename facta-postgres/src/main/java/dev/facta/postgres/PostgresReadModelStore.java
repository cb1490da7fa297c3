package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.UniqueViolationException;
import org.postgresql.PGStatement;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * Read models in PostgreSQL: each collection is a table {@code rm_<collection>} of the store's
 * schema with one row per document ({@code id text COLLATE "C"} primary key, {@code doc jsonb},
 * {@code revision}, {@code updated_at}), created on first write. Queries compile to SQL with bind
 * parameters ({@link DocumentSql}) and keep the semantics of {@link Query} exactly: type-strict
 * comparisons, strings in code-point order, documents lacking a sort field last in either
 * direction, the id as the final tie-break. {@link #createIndex} builds an expression index on the
 * very expression queries compare, {@code UNIQUE} when asked.
 *
 * <p>A store made with {@link #PostgresReadModelStore(DataSource, String)} runs each operation in
 * its own transaction on a connection of the data source; it is safe for many threads. A store
 * from {@link #bind(Connection)} works inside the caller's open transaction (as projections do):
 * its writes are buffered and sent in one statement per collection when it {@link #flush()}es —
 * before any query, count or listing, when the buffer grows large, and at the latest when the
 * caller flushes before committing — while {@code get} and {@code getMany} see buffered writes at
 * once. Writes to a collection with a unique index are sent at once instead, under a savepoint, so
 * that a violation is reported by the write itself and leaves the transaction usable.
 *
 * <p>Creating a table or index takes a transaction-scoped advisory lock on its name first, so
 * processes that race to create the same collection never trip over each other.
 */
public final class PostgresReadModelStore implements ReadModelStore {

    /** Table name prefix of collections. */
    static final String TABLE_PREFIX = "rm_";
    /** Buffered writes of a bound store are sent once this many are pending. */
    private static final int FLUSH_THRESHOLD = 10_000;
    /** How long what is known of a table's indexes is trusted before it is read again. */
    private static final long CATALOG_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** First key of the advisory locks on read-model DDL: "frm1" as ASCII. */
    private static final int DDL_LOCK_CLASS = 0x66726d31;
    private static final String SAVEPOINT = "facta_rm_write";
    private static final String RECORDS = "jsonb_to_recordset(?::jsonb) AS x(i text, d jsonb, n bigint)";

    private final Catalog catalog;
    private final DataSource dataSource;
    /** Where a bound store reads index declarations when its own transaction is aborted (may be null). */
    private final DataSource lookups;
    private final Connection connection;
    /** Bound stores only: buffered writes by table, in the order tables were first written. */
    private final Map<String, Buffer> buffers;
    /**
     * Bound stores only: what this transaction knows of tables, including those it created or
     * dropped itself, which others do not see until it commits.
     */
    private final Map<String, TableInfo> local;
    private boolean ended;

    /** Collections in {@code schema} on the application's data source, each operation its own transaction. */
    public PostgresReadModelStore(DataSource dataSource, String schema) {
        this(new Catalog(checkSchema(schema)), Objects.requireNonNull(dataSource, "dataSource"), null, dataSource);
    }

    /** Collections in the schema of an event store, on its connections. */
    public static PostgresReadModelStore on(PostgresEventStore events) {
        return new PostgresReadModelStore(events.dataSource(), events.schema());
    }

    private PostgresReadModelStore(Catalog catalog, DataSource dataSource, Connection connection, DataSource lookups) {
        this.catalog = catalog;
        this.dataSource = dataSource;
        this.lookups = lookups;
        this.connection = connection;
        this.buffers = connection == null ? null : new LinkedHashMap<>();
        this.local = connection == null ? null : new HashMap<>();
    }

    /**
     * The same collections seen through {@code connection}'s open transaction (auto-commit off): reads
     * see the transaction's own writes, and everything commits or rolls back with it. Used by one
     * thread. Call {@link #flush()} before committing: buffered writes are lost otherwise.
     */
    public PostgresReadModelStore bind(Connection connection) {
        return new PostgresReadModelStore(catalog, null, Objects.requireNonNull(connection, "connection"), lookups);
    }

    public String schema() {
        return catalog.schema;
    }

    static String checkSchema(String schema) {
        if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new InvalidInputException("schema", "schema must be a plain SQL identifier, got '" + schema + "'");
        }
        return schema;
    }

    // ------------------------------------------------------------------ ReadModelStore

    @Override
    public <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec) {
        ReadModelStore.checkName(name);
        Objects.requireNonNull(codec, "codec");
        return new Pg<>(name, codec);
    }

    @Override
    public void createIndex(String collection, Index index) {
        ReadModelStore.checkName(collection);
        Objects.requireNonNull(index, "index");
        String table = TABLE_PREFIX + collection;
        String name = indexName(collection, index);
        TableInfo known = catalog.cached(table);
        if (known != null && known.indexes().containsKey(name)) return;
        java.util.function.Function<String, String> ddl = keyPrefix -> "CREATE " + (index.unique() ? "UNIQUE " : "")
                + "INDEX IF NOT EXISTS " + quote(name)
                + " ON " + catalog.qualified(table) + " (" + keyPrefix + DocumentSql.indexExpression(index) + ");"
                + " COMMENT ON INDEX " + catalog.schemaQuoted + "." + quote(name) + " IS '" + comment(index) + "'";
        try {
            if (connection != null) {
                checkOpen();
                flushAll();
                Connection c = connection;
                execute(c, "SAVEPOINT " + SAVEPOINT);
                try {
                    lockAndCreate(c, table);
                    execute(c, indexDdl(c, ddl));
                    execute(c, "RELEASE SAVEPOINT " + SAVEPOINT);
                } catch (SQLException e) {
                    execute(c, "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; RELEASE SAVEPOINT " + SAVEPOINT);
                    throw e;
                } finally {
                    local.remove(table);
                }
                catalog.forget(table);
            } else {
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(false);
                    try {
                        lockAndCreate(c, table);
                        execute(c, indexDdl(c, ddl));
                        c.commit();
                    } catch (SQLException | RuntimeException e) {
                        rollbackQuietly(c);
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
                catalog.forget(table);
            }
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new UniqueViolationException(collection, index.field(), null, "cannot create a unique index on "
                        + collection + "." + index.field() + ": two documents hold the same value ("
                        + detail(e) + ")");
            }
            throw failure("creating an index on " + collection + "." + index.field(), e);
        }
    }

    @Override
    public void dropCollection(String collection) {
        ReadModelStore.checkName(collection);
        String table = TABLE_PREFIX + collection;
        try {
            if (connection != null) {
                checkOpen();
                buffers.remove(table);
                lockDdl(connection, table);
                execute(connection, dropSql(connection, table));
                if (!catalog.shared(connection)) local.put(table, TableInfo.ABSENT);
            } else {
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(false);
                    try {
                        lockDdl(c, table);
                        execute(c, dropSql(c, table));
                        c.commit();
                    } catch (SQLException | RuntimeException e) {
                        rollbackQuietly(c);
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
            }
            catalog.forget(table);
        } catch (SQLException e) {
            throw failure("dropping collection " + collection, e);
        }
    }

    /**
     * Drops the table, or, in the shared-tables layout, deletes the tenant's documents (row-level
     * security limits the delete to them): the table and its indexes are every tenant's.
     */
    private String dropSql(Connection c, String table) throws SQLException {
        String t = catalog.qualified(table);
        if (!catalog.shared(c)) return "DROP TABLE IF EXISTS " + t;
        return "DO $$BEGIN IF to_regclass('" + t.replace("'", "''") + "') IS NOT NULL THEN DELETE FROM " + t + "; END IF; END$$";
    }

    /** Index DDL with the tenant column first in the shared-tables layout, so a unique index binds within a tenant. */
    private String indexDdl(Connection c, java.util.function.Function<String, String> ddl) throws SQLException {
        return ddl.apply(catalog.shared(c) ? PostgresRowSecurity.TENANT_COLUMN + ", " : "");
    }

    @Override
    public List<String> collections() {
        return run(c -> {
            if (connection != null) flushAll();
            List<String> withIndexes = new ArrayList<>();
            List<String> plain = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT c.relname, EXISTS (SELECT 1 FROM pg_index i"
                    + " WHERE i.indrelid = c.oid AND NOT i.indisprimary) FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND c.relname LIKE 'rm\\_%'")) {
                ps.setString(1, catalog.schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String table = rs.getString(1);
                        String name = table.substring(TABLE_PREFIX.length());
                        if (!name.matches("[a-z][a-z0-9_]{0,47}")) continue; // not one of ours
                        // shared tables exist for every tenant: only those holding the tenant's documents count
                        (rs.getBoolean(2) && !catalog.shared(c) ? withIndexes : plain).add(name);
                    }
                }
            }
            List<String> out = new ArrayList<>(withIndexes);
            if (!plain.isEmpty()) {
                StringBuilder sql = new StringBuilder("SELECT ");
                for (int i = 0; i < plain.size(); i++) {
                    if (i > 0) sql.append(", ");
                    sql.append("EXISTS (SELECT 1 FROM ").append(catalog.qualified(TABLE_PREFIX + plain.get(i))).append(')');
                }
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
                    rs.next();
                    for (int i = 0; i < plain.size(); i++) {
                        if (rs.getBoolean(i + 1)) out.add(plain.get(i));
                    }
                }
            }
            out.sort(null);
            return out;
        }, "listing collections");
    }

    // ------------------------------------------------------------------ bound transactions

    /**
     * Sends every buffered write of a bound store to the database (one statement per collection,
     * all in one round trip). Does nothing on a store on a data source.
     */
    public void flush() {
        if (connection == null) return;
        checkOpen();
        try {
            flushAll();
        } catch (SQLException e) {
            throw writeFailure(null, e, null);
        }
    }

    /**
     * A bound store's buffered writes plus a caller's statement, in one round trip; returns the
     * update count of the caller's statement (the last one sent).
     */
    int flushWith(String extraSql, StatementBinder extra) throws SQLException {
        checkOpen();
        return flushTables(new ArrayList<>(buffers.keySet()), extraSql, extra);
    }

    /** Binds parameters of a statement sent along with a flush, from {@code first}; returns the next index. */
    @FunctionalInterface
    interface StatementBinder {
        int bind(PreparedStatement ps, int first) throws SQLException;
    }

    /** Ends a bound store: later use fails, buffered writes are dropped. */
    void end() {
        ended = true;
        if (buffers != null) buffers.clear();
        if (local != null) local.clear();
    }

    boolean bound() {
        return connection != null;
    }

    private void checkOpen() {
        if (ended) throw new IllegalStateException("the transaction this read-model store was bound to has ended");
    }

    private void flushAll() throws SQLException {
        if (buffers.isEmpty()) return;
        flushTables(new ArrayList<>(buffers.keySet()), null, null);
    }

    private void flushTable(String table) throws SQLException {
        if (buffers.containsKey(table)) flushTables(List.of(table), null, null);
    }

    /**
     * Sends the buffered writes of the tables (creating those that do not exist yet) and the extra
     * statement; returns the update count of the last statement (-1 when nothing was sent).
     */
    private int flushTables(List<String> tables, String extraSql, StatementBinder extra) throws SQLException {
        StringBuilder sql = new StringBuilder();
        List<Object[]> params = new ArrayList<>();
        List<String> flushed = new ArrayList<>();
        List<String> created = new ArrayList<>();
        for (String table : tables) {
            Buffer b = buffers.get(table);
            if (b == null || b.entries.isEmpty()) continue;
            flushed.add(table);
            List<String> deletes = new ArrayList<>();
            StringBuilder rows = new StringBuilder(b.entries.size() * 128).append('[');
            int upserts = 0;
            for (var e : b.entries.entrySet()) {
                Pending p = e.getValue();
                if (p.deleteFirst || p.json == null) deletes.add(e.getKey());
                if (p.json != null) {
                    if (upserts++ > 0) rows.append(',');
                    rows.append("{\"i\":");
                    Json.quote(e.getKey(), rows);
                    rows.append(",\"d\":").append(p.json).append(",\"n\":").append(p.writes).append('}');
                }
            }
            rows.append(']');
            if (upserts > 0 && !exists(connection, table)) {
                sql.append("SELECT pg_advisory_xact_lock(").append(DDL_LOCK_CLASS).append(", hashtext(?)); ");
                params.add(new Object[] {ddlLockName(table)});
                sql.append(createTable(connection, table)).append("; ");
                created.add(table);
            }
            if (!deletes.isEmpty()) {
                sql.append("DELETE FROM ").append(catalog.qualified(table)).append(" WHERE id = ANY(?); ");
                params.add(new Object[] {new DocumentSql.TypedArray("text", deletes.toArray())});
            }
            if (upserts > 0) {
                sql.append(upsertSql(table)).append("; ");
                params.add(new Object[] {rows.toString()});
            }
        }
        if (extraSql != null) sql.append(extraSql);
        if (sql.isEmpty()) return -1;
        int last = -1;
        try (PreparedStatement ps = planned(connection, sql.toString())) {
            int i = 1;
            for (Object[] p : params) {
                for (Object v : p) bind(connection, ps, i++, v);
            }
            if (extra != null) extra.bind(ps, i);
            boolean resultSet = ps.execute();
            while (true) {
                if (resultSet) {
                    ps.getResultSet().close();
                } else {
                    int n = ps.getUpdateCount();
                    if (n == -1) break;
                    last = n;
                }
                resultSet = ps.getMoreResults();
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                for (String t : flushed) {
                    catalog.forget(t);
                    local.remove(t);
                }
            }
            throw e;
        }
        for (String t : flushed) buffers.remove(t);
        for (String t : created) local.put(t, TableInfo.CREATED);
        return last;
    }

    /** The statement {@code find} runs; its parameters are the conditions', then limit + 1 and the offset. */
    String findSql(String collection, Query query, DocumentSql.Fragment where) {
        return "SELECT doc::text FROM " + catalog.qualified(TABLE_PREFIX + collection) + " WHERE " + where.sql()
                + " ORDER BY " + DocumentSql.orderBy(query) + " LIMIT ? OFFSET ?";
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface Work<R> {
        R run(Connection c) throws SQLException;
    }

    /** Runs on the bound connection, or on a pooled one in auto-commit mode. */
    private <R> R run(Work<R> work, String what) {
        try {
            if (connection != null) {
                checkOpen();
                return work.run(connection);
            }
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            }
        } catch (SQLException e) {
            // a flush before a query can meet a unique index another process added meanwhile
            if ("23505".equals(e.getSQLState())) throw writeFailure(null, e, null);
            throw failure(what, e);
        }
    }

    /** How a failed flush is reported: a unique violation as such, anything else as a plain failure. */
    RuntimeException flushFailure(SQLException e) {
        return writeFailure(null, e, null);
    }

    /** Whether the table exists as this store's connection sees it. */
    private boolean exists(Connection c, String table) throws SQLException {
        return info(c, table).exists();
    }

    /**
     * The table as this store sees it. A bound store asks the catalog once per transaction and
     * table, and remembers what it did itself.
     */
    private TableInfo info(Connection c, String table) throws SQLException {
        if (local == null) return catalog.info(c, table);
        TableInfo t = local.get(table);
        if (t == null) {
            t = catalog.info(c, table);
            local.put(table, t);
        }
        return t;
    }

    private void lockAndCreate(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(" + DDL_LOCK_CLASS + ", hashtext(?)); "
                + createTable(c, table))) {
            ps.setString(1, ddlLockName(table));
            ps.execute();
        }
    }

    private void lockDdl(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(" + DDL_LOCK_CLASS + ", hashtext(?))")) {
            ps.setString(1, ddlLockName(table));
            ps.execute();
        }
    }

    private String ddlLockName(String table) {
        return catalog.schema + "." + table;
    }

    private String createTable(Connection c, String table) throws SQLException {
        String t = catalog.qualified(table);
        if (!catalog.shared(c)) {
            return "CREATE TABLE IF NOT EXISTS " + t + " (id text COLLATE \"C\" NOT NULL,"
                    + " doc jsonb NOT NULL, revision bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),"
                    + " CONSTRAINT " + keyConstraint(table) + " PRIMARY KEY (id))";
        }
        // the shared-tables layout: every tenant's documents in one table, each row stamped with its
        // tenant by the column's default and visible to that tenant only (row-level security)
        return "CREATE TABLE IF NOT EXISTS " + t + " (" + PostgresRowSecurity.TENANT_COLUMN_DDL + ","
                + " id text COLLATE \"C\" NOT NULL, doc jsonb NOT NULL, revision bigint NOT NULL,"
                + " updated_at timestamptz NOT NULL DEFAULT now(),"
                + " CONSTRAINT " + keyConstraint(table) + " PRIMARY KEY (" + PostgresRowSecurity.TENANT_COLUMN + ", id)); "
                + PostgresRowSecurity.protectSql(t);
    }

    /** Ensures the table exists, in its own committed transaction (data-source stores only). */
    private void ensureTable(String table) throws SQLException {
        if (catalog.cachedExists(table)) return;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lockAndCreate(c, table);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** The primary key's name: upserts name it rather than its columns, which the shared-tables layout extends. */
    private static String keyConstraint(String table) {
        return quote("rmk_" + table.substring(TABLE_PREFIX.length()));
    }

    private String upsertSql(String table) {
        String t = catalog.qualified(table);
        return "INSERT INTO " + t + " AS t (id, doc, revision, updated_at) SELECT x.i, x.d, x.n, now() FROM " + RECORDS
                + " ON CONFLICT ON CONSTRAINT " + keyConstraint(table) + " DO UPDATE SET doc = excluded.doc, revision = t.revision + excluded.revision,"
                + " updated_at = excluded.updated_at";
    }

    static void bind(Connection c, PreparedStatement ps, int i, Object v) throws SQLException {
        switch (v) {
            case String s -> ps.setString(i, s);
            case BigDecimal n -> ps.setBigDecimal(i, n);
            case Boolean b -> ps.setBoolean(i, b);
            case Long l -> ps.setLong(i, l);
            case Integer n -> ps.setInt(i, n);
            case DocumentSql.TypedArray a -> ps.setArray(i, c.createArrayOf(a.type(), a.values()));
            default -> throw new IllegalArgumentException("cannot bind " + v.getClass());
        }
    }

    /**
     * A statement planned afresh on every execution. pgjdbc turns a statement it has run a few
     * times into a server-side prepared one, and PostgreSQL may then settle on a generic plan
     * costed while the collection was small (a sequential scan) and keep it as the collection grows.
     * Statements whose best plan depends on the values or on the table's size (lookups by many
     * ids, queries) are therefore never server-prepared; lookups by one id keep the cached plan,
     * which is always the primary-key index.
     */
    static PreparedStatement planned(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        if (ps.isWrapperFor(PGStatement.class)) ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        return ps;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static String quote(String identifier) {
        return PostgresMigrations.quote(identifier);
    }

    /**
     * A stable index name from the collection and the declaration, within PostgreSQL's 63 characters:
     * {@code rmx_<collection>_<8 hex digits>}.
     */
    static String indexName(String collection, Index index) {
        CRC32 crc = new CRC32();
        crc.update((index.field() + "|" + index.kind() + "|" + index.unique()).getBytes(StandardCharsets.UTF_8));
        return "rmx_" + collection + "_" + String.format("%08x", crc.getValue());
    }

    private static String comment(Index index) {
        return "facta:" + index.kind() + ":" + (index.unique() ? "unique" : "plain") + ":" + index.field();
    }

    private static Index parseComment(String comment) {
        if (comment == null || !comment.startsWith("facta:")) return null;
        String[] parts = comment.split(":", 4);
        if (parts.length != 4) return null;
        try {
            return new Index(parts[3], Index.Kind.valueOf(parts[1]), parts[2].equals("unique"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the pool discards broken connections
        }
    }

    private static String detail(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null && p.getServerErrorMessage().getDetail() != null) {
            return p.getServerErrorMessage().getDetail();
        }
        return e.getMessage();
    }

    private FactaException failure(String what, SQLException e) {
        return new FactaException(what + " failed in PostgreSQL (" + e.getSQLState() + "): " + e.getMessage(), e);
    }

    /** A failed write: a unique violation when a unique index refused it, else a plain failure. */
    private RuntimeException writeFailure(String collection, SQLException e, String id) {
        if ("23505".equals(e.getSQLState()) && e instanceof PSQLException p) {
            ServerErrorMessage m = p.getServerErrorMessage();
            String constraint = m == null ? null : m.getConstraint();
            String table = m == null ? null : m.getTable();
            String coll = collection != null ? collection
                    : table != null && table.startsWith(TABLE_PREFIX) ? table.substring(TABLE_PREFIX.length()) : null;
            Index index = null;
            if (constraint != null && table != null) {
                TableInfo info = local != null && local.containsKey(table) ? local.get(table) : catalog.cached(table);
                if (info != null) index = info.indexes().get(constraint);
                if (index == null) {
                    catalog.forget(table);
                    index = indexFromDatabase(constraint);
                }
            }
            String field = index == null ? null : index.field();
            return new UniqueViolationException(coll, field, id, "document " + (id == null ? "" : "'" + id + "' ")
                    + "of " + coll + " has the same " + field + " as another document (unique index): " + detail(e));
        }
        return failure("writing to " + (collection == null ? "read models" : collection), e);
    }

    /** Reads an index's declaration from its comment, on a fresh connection (the bound one may be aborted). */
    private Index indexFromDatabase(String indexName) {
        if (lookups == null) return null;
        try (Connection c = lookups.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT obj_description(to_regclass(?), 'pg_class')")) {
            ps.setString(1, catalog.schemaQuoted + "." + quote(indexName));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? parseComment(rs.getString(1)) : null;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ catalog

    /** What is known of a table: whether it exists and its indexes by name. */
    record TableInfo(boolean exists, Map<String, Index> indexes, long loadedAt) {
        static final TableInfo ABSENT = new TableInfo(false, Map.of(), 0);
        static final TableInfo CREATED = new TableInfo(true, Map.of(), 0);

        boolean hasUnique() {
            for (Index i : indexes.values()) {
                if (i.unique()) return true;
            }
            return false;
        }
    }

    /**
     * Tables known to exist, with their indexes, shared by a store and every store bound from it.
     * Only committed facts are cached, and only for a while: another process may drop or index a
     * collection at any time.
     */
    static final class Catalog {
        final String schema;
        final String schemaQuoted;
        private final Map<String, TableInfo> tables = new ConcurrentHashMap<>();

        private volatile Boolean shared;

        Catalog(String schema) {
            this.schema = schema;
            this.schemaQuoted = quote(schema);
        }

        /** Whether the schema holds the tables of many tenants (see {@link PostgresRowSecurity}); asked once. */
        boolean shared(Connection c) throws SQLException {
            Boolean s = shared;
            if (s == null) {
                s = PostgresRowSecurity.isShared(c, schema);
                shared = s;
            }
            return s;
        }

        String qualified(String table) {
            return schemaQuoted + "." + quote(table);
        }

        TableInfo cached(String table) {
            TableInfo t = tables.get(table);
            return t == null || System.nanoTime() - t.loadedAt() > CATALOG_TTL_NANOS ? null : t;
        }

        boolean cachedExists(String table) {
            TableInfo t = cached(table);
            return t != null && t.exists();
        }

        void forget(String table) {
            tables.remove(table);
        }

        /**
         * The table as {@code c} sees it, from the cache when it is fresh. What is read is cached only
         * when the table's catalog row was not written by {@code c}'s own open transaction (a table or
         * index it created, which others cannot see yet).
         */
        TableInfo info(Connection c, String table) throws SQLException {
            TableInfo t = cached(table);
            if (t != null) return t;
            boolean exists = false;
            boolean own = false;
            Map<String, Index> indexes = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT r.oid IS NOT NULL, ix.relname,"
                    + " obj_description(ix.oid, 'pg_class'),"
                    + " coalesce((SELECT pc.xmin::text::bigint = txid_current_if_assigned() % 4294967296"
                    + " FROM pg_class pc WHERE pc.oid = r.oid), false)"
                    + " FROM (SELECT to_regclass(?) AS oid) r"
                    + " LEFT JOIN pg_index i ON i.indrelid = r.oid AND NOT i.indisprimary"
                    + " LEFT JOIN pg_class ix ON ix.oid = i.indexrelid")) {
                ps.setString(1, qualified(table));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        exists = rs.getBoolean(1);
                        own = rs.getBoolean(4);
                        String name = rs.getString(2);
                        Index index = parseComment(rs.getString(3));
                        if (name != null && index != null) indexes.put(name, index);
                    }
                }
            }
            t = new TableInfo(exists, Map.copyOf(indexes), System.nanoTime());
            if (exists && !own) tables.put(table, t);
            return t;
        }
    }

    /**
     * Refuses what {@link Documents#parse} refuses (not one JSON object, too deep, duplicate keys,
     * unpaired surrogates, numbers out of range), with the same errors, without building the tree:
     * the text is sent as it is.
     */
    static void checkDocument(String json) {
        if (json == null) throw new InvalidInputException("document", "the codec encoded the document as null");
        char kind = Json.validateStrict(json, Documents.MAX_DEPTH, "document");
        if (kind != '{') {
            throw new InvalidInputException("document", "a document must be a JSON object, got " + switch (kind) {
                case 'n' -> "null";
                case '[' -> "an array";
                case '"' -> "a string";
                case 't', 'f' -> "a boolean";
                default -> "a number";
            });
        }
    }

    // ------------------------------------------------------------------ buffered writes

    /** A buffered write: the document (null: deleted), how many puts it stands for, and whether a delete came first. */
    private static final class Pending {
        String json;
        int writes;
        boolean deleteFirst;
    }

    private static final class Buffer {
        final LinkedHashMap<String, Pending> entries = new LinkedHashMap<>();
    }

    private int bufferedCount() {
        int n = 0;
        for (Buffer b : buffers.values()) n += b.entries.size();
        return n;
    }

    // ------------------------------------------------------------------ collections

    private final class Pg<T> implements DocumentCollection<T> {
        private final String name;
        private final String table;
        private final DocumentCodec<T> codec;

        Pg(String name, DocumentCodec<T> codec) {
            this.name = name;
            this.table = TABLE_PREFIX + name;
            this.codec = codec;
        }

        @Override
        public String name() {
            return name;
        }

        private Pending buffered(String id) {
            if (connection == null) return null;
            Buffer b = buffers.get(table);
            return b == null ? null : b.entries.get(id);
        }

        @Override
        public Optional<T> get(String id) {
            Documents.checkId(id);
            Pending p = buffered(id);
            if (p != null) return p.json == null ? Optional.empty() : Optional.of(codec.decode(p.json));
            String json = run(c -> {
                if (!exists(c, table)) return null;
                try (PreparedStatement ps = c.prepareStatement("SELECT doc::text FROM " + catalog.qualified(table) + " WHERE id = ?")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getString(1) : null;
                    }
                } catch (SQLException e) {
                    if (dataSource != null && "42P01".equals(e.getSQLState())) {
                        catalog.forget(table);
                        return null;
                    }
                    throw e;
                }
            }, "reading " + name + "/" + id);
            return json == null ? Optional.empty() : Optional.of(codec.decode(json));
        }

        @Override
        public Map<String, T> getMany(Collection<String> ids) {
            Objects.requireNonNull(ids, "ids");
            for (String id : ids) Documents.checkId(id);
            Map<String, String> found = new HashMap<>();
            List<String> ask = new ArrayList<>();
            for (String id : ids) {
                Pending p = buffered(id);
                if (p == null) ask.add(id);
                else if (p.json != null) found.put(id, p.json);
            }
            if (!ask.isEmpty()) {
                run(c -> {
                    if (!exists(c, table)) return null;
                    try (PreparedStatement ps = planned(c, "SELECT id, doc::text FROM " + catalog.qualified(table)
                            + " WHERE id = ANY(?)")) {
                        ps.setArray(1, c.createArrayOf("text", ask.toArray()));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) found.put(rs.getString(1), rs.getString(2));
                        }
                    } catch (SQLException e) {
                        if (dataSource != null && "42P01".equals(e.getSQLState())) {
                            catalog.forget(table);
                            return null;
                        }
                        throw e;
                    }
                    return null;
                }, "reading documents of " + name);
            }
            Map<String, T> out = new LinkedHashMap<>();
            for (String id : ids) {
                String json = found.get(id);
                if (json != null && !out.containsKey(id)) out.put(id, codec.decode(json));
            }
            return out;
        }

        @Override
        public void put(String id, T document) {
            Documents.checkId(id);
            if (document == null) throw new InvalidInputException("document", "document '" + id + "' is null");
            Map<String, T> one = new HashMap<>(1);
            one.put(id, document);
            putMany(one);
        }

        @Override
        public void putMany(Map<String, T> documents) {
            Objects.requireNonNull(documents, "documents");
            Map<String, String> encoded = new LinkedHashMap<>();
            for (var e : documents.entrySet()) {
                Documents.checkId(e.getKey());
                if (e.getValue() == null) throw new InvalidInputException("document", "document '" + e.getKey() + "' is null");
                String json = codec.encode(e.getValue());
                checkDocument(json);
                encoded.put(e.getKey(), json);
            }
            if (encoded.isEmpty()) return;
            String single = encoded.size() == 1 ? encoded.keySet().iterator().next() : null;
            if (connection != null) {
                checkOpen();
                try {
                    if (!info(connection, table).hasUnique()) {
                        Buffer b = buffers.computeIfAbsent(table, k -> new Buffer());
                        for (var e : encoded.entrySet()) {
                            Pending p = b.entries.computeIfAbsent(e.getKey(), k -> new Pending());
                            p.json = e.getValue();
                            p.writes++;
                        }
                        if (bufferedCount() >= FLUSH_THRESHOLD) flushAll();
                        return;
                    }
                    flushTable(table);
                    writeUnderSavepoint(encoded);
                } catch (SQLException e) {
                    throw writeFailure(name, e, single);
                }
                return;
            }
            try {
                ensureTable(table);
                try {
                    upsert(encoded);
                } catch (SQLException e) {
                    if (!"42P01".equals(e.getSQLState())) throw e;
                    catalog.forget(table); // dropped meanwhile: create it again
                    ensureTable(table);
                    upsert(encoded);
                }
            } catch (SQLException e) {
                throw writeFailure(name, e, single);
            }
        }

        private String rows(Map<String, String> docs) {
            StringBuilder rows = new StringBuilder(docs.size() * 128).append('[');
            for (var e : docs.entrySet()) {
                if (rows.length() > 1) rows.append(',');
                rows.append("{\"i\":");
                Json.quote(e.getKey(), rows);
                rows.append(",\"d\":").append(e.getValue()).append(",\"n\":1}");
            }
            return rows.append(']').toString();
        }

        private void upsert(Map<String, String> docs) throws SQLException {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(upsertSql(table))) {
                ps.setString(1, rows(docs));
                ps.executeUpdate();
            }
        }

        private void writeUnderSavepoint(Map<String, String> docs) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement("SAVEPOINT " + SAVEPOINT + "; " + upsertSql(table)
                    + "; RELEASE SAVEPOINT " + SAVEPOINT)) {
                ps.setString(1, rows(docs));
                ps.execute();
            } catch (SQLException e) {
                try {
                    execute(connection, "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; RELEASE SAVEPOINT " + SAVEPOINT);
                } catch (SQLException ignored) {
                    // the transaction is broken beyond the savepoint; the original error says why
                }
                throw e;
            }
        }

        @Override
        public boolean delete(String id) {
            Documents.checkId(id);
            Pending p = buffered(id);
            if (p != null) {
                if (p.json == null) return false;
                p.json = null;
                p.writes = 0;
                p.deleteFirst = true;
                return true;
            }
            return run(c -> {
                if (!exists(c, table)) return false;
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + catalog.qualified(table) + " WHERE id = ?")) {
                    ps.setString(1, id);
                    return ps.executeUpdate() > 0;
                } catch (SQLException e) {
                    if (dataSource != null && "42P01".equals(e.getSQLState())) {
                        catalog.forget(table);
                        return false;
                    }
                    throw e;
                }
            }, "deleting " + name + "/" + id);
        }

        @Override
        public Page<T> find(Query query) {
            Objects.requireNonNull(query, "query");
            DocumentSql.Fragment where = DocumentSql.where(query);
            String sql = findSql(name, query, where);
            List<String> docs = run(c -> {
                if (connection != null) flushTable(table);
                List<String> out = new ArrayList<>();
                if (!exists(c, table)) return out;
                try (PreparedStatement ps = planned(c, sql)) {
                    int i = 1;
                    for (Object v : where.params()) bind(c, ps, i++, v);
                    ps.setInt(i++, query.limit() + 1);
                    ps.setLong(i, query.offset());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) out.add(rs.getString(1));
                    }
                } catch (SQLException e) {
                    if (dataSource != null && "42P01".equals(e.getSQLState())) {
                        catalog.forget(table);
                        return new ArrayList<>();
                    }
                    throw e;
                }
                return out;
            }, "querying " + name);
            boolean more = docs.size() > query.limit();
            List<T> items = new ArrayList<>(Math.min(docs.size(), query.limit()));
            for (int i = 0; i < docs.size() && i < query.limit(); i++) items.add(codec.decode(docs.get(i)));
            return new Page<>(items, more ? Optional.of(query.nextPage()) : Optional.empty());
        }

        @Override
        public long count(Query query) {
            Objects.requireNonNull(query, "query");
            DocumentSql.Fragment where = DocumentSql.where(query);
            String sql = "SELECT count(*) FROM " + catalog.qualified(table) + " WHERE " + where.sql();
            return run(c -> {
                if (connection != null) flushTable(table);
                if (!exists(c, table)) return 0L;
                try (PreparedStatement ps = planned(c, sql)) {
                    int i = 1;
                    for (Object v : where.params()) bind(c, ps, i++, v);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                } catch (SQLException e) {
                    if (dataSource != null && "42P01".equals(e.getSQLState())) {
                        catalog.forget(table);
                        return 0L;
                    }
                    throw e;
                }
            }, "counting " + name);
        }

        @Override
        public void clear() {
            run(c -> {
                if (connection != null) buffers.remove(table);
                if (!exists(c, table)) return null;
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + catalog.qualified(table))) {
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (dataSource != null && "42P01".equals(e.getSQLState())) {
                        catalog.forget(table);
                        return null;
                    }
                    throw e;
                }
                return null;
            }, "clearing " + name);
        }

        @Override
        public String toString() {
            return "PostgresReadModelStore collection " + catalog.schema + "." + table;
        }
    }

    @Override
    public String toString() {
        return "PostgresReadModelStore[schema " + catalog.schema + (connection != null ? ", bound to a transaction" : "") + "]";
    }
}

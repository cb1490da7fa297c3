package dev.facta.sqlite;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Read models in the same SQLite file as the events: each collection is a table
 * {@code rm_<collection>} holding one JSON document per row ({@code id, doc, revision, updated_at}),
 * created by the collection's first write. Queries run as SQL with SQLite's JSON functions and follow
 * {@link Query} and {@link dev.facta.readmodel.Predicate} exactly: values of different JSON types never
 * match, strings compare by code point (SQLite's BINARY collation over UTF-8), and numbers compare as
 * exact decimals, even beyond the precision of a double (see {@code DocumentSql}).
 *
 * <p>{@link #createIndex} creates an expression index on {@code json_extract(doc, '$."field"')}, the
 * very expression equality, range and prefix conditions use, so those conditions search the index
 * instead of scanning the table (sorting still sorts the matches). One index per field serves both
 * {@link Index.Kind kinds}. Unique indexes are enforced inside the write transaction, by exact value:
 * a write that would give two documents the same value fails whole with
 * {@link dev.facta.readmodel.UniqueViolationException}.
 *
 * <p>Like {@link SqliteSnapshotStore} it owns no connections: every write is one transaction on the
 * event store's writer connection under its write lock, every read one read transaction on its
 * read-only connections, so readers see committed documents only. Inside a projection, collections
 * come from the {@link SqliteProjectionStore} transaction instead and commit with its checkpoint.
 * Table names beginning with {@code rm_} are reserved for collections.
 */
public final class SqliteReadModelStore implements ReadModelStore {

    private final SqliteEventStore events;

    private SqliteReadModelStore(SqliteEventStore events) {
        this.events = Objects.requireNonNull(events, "events");
    }

    /** Read models in the file of an open event store, sharing its connections; closing the event store ends it. */
    public static SqliteReadModelStore on(SqliteEventStore events) {
        return new SqliteReadModelStore(events);
    }

    @Override
    public <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec) {
        ReadModelStore.checkName(name);
        Objects.requireNonNull(codec, "codec");
        return new SqliteCollection<>(name, codec, null);
    }

    @Override
    public void createIndex(String collection, Index index) {
        ReadModelStore.checkName(collection);
        Objects.requireNonNull(index, "index");
        events.writeWith("create an index on " + collection, db -> {
            DocumentTables.createIndex(db, collection, index);
            return null;
        });
    }

    @Override
    public void dropCollection(String collection) {
        ReadModelStore.checkName(collection);
        events.writeWith("drop collection " + collection, db -> {
            DocumentTables.drop(db, collection);
            return null;
        });
    }

    @Override
    public List<String> collections() {
        return events.read(DocumentTables::collections);
    }

    /** How SQLite runs a query on a collection: EXPLAIN QUERY PLAN's steps (for tests and diagnosis). */
    List<String> explain(String collection, Query query) {
        ReadModelStore.checkName(collection);
        return events.read(db -> DocumentTables.plan(db, collection, query));
    }

    @Override
    public String toString() {
        return "SqliteReadModelStore[" + events.path() + "]";
    }

    /** An open write transaction that collections can be bound to (a projection's). */
    interface Scope {
        /** The transaction's connection; throws when the transaction has ended. */
        Db db();
    }

    /** A collection whose every operation runs in {@code scope}'s transaction. */
    <T> DocumentCollection<T> bound(Scope scope, String storedName, DocumentCodec<T> codec) {
        ReadModelStore.checkName(storedName);
        Objects.requireNonNull(codec, "codec");
        return new SqliteCollection<>(storedName, codec, Objects.requireNonNull(scope, "scope"));
    }

    long nowMicros() {
        Instant now = events.clock().instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
    }

    private FactaException error(String what, SQLException e) {
        return new FactaException("SQLite read model " + what + " failed on " + events.path() + ": " + e.getMessage(), e);
    }

    /** A collection: each operation its own transaction, or all in a bound scope's. */
    private final class SqliteCollection<T> implements DocumentCollection<T> {
        private final String name;
        private final DocumentCodec<T> codec;
        private final Scope scope;

        SqliteCollection(String name, DocumentCodec<T> codec, Scope scope) {
            this.name = name;
            this.codec = codec;
            this.scope = scope;
        }

        @Override
        public String name() {
            return name;
        }

        private <R> R read(String what, SqliteEventStore.DbWork<R> work) {
            if (scope == null) return events.read(work);
            return inScope(what, work);
        }

        private <R> R write(String what, SqliteEventStore.DbWork<R> work) {
            if (scope == null) return events.writeWith(what + " in " + name, work);
            return inScope(what, work);
        }

        private <R> R inScope(String what, SqliteEventStore.DbWork<R> work) {
            Db db = scope.db();
            try {
                return work.run(db);
            } catch (SQLException e) {
                throw error(what + " in " + name, e);
            }
        }

        @Override
        public Optional<T> get(String id) {
            Documents.checkId(id);
            String json = read("get", db -> DocumentTables.get(db, name, id));
            return json == null ? Optional.empty() : Optional.of(codec.decode(json));
        }

        @Override
        public Map<String, T> getMany(Collection<String> ids) {
            Objects.requireNonNull(ids, "ids");
            for (String id : ids) Documents.checkId(id);
            Map<String, String> found = read("getMany", db -> DocumentTables.getMany(db, name, ids));
            Map<String, T> out = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : found.entrySet()) out.put(e.getKey(), codec.decode(e.getValue()));
            return out;
        }

        @Override
        public void put(String id, T document) {
            Documents.checkId(id);
            if (document == null) throw new InvalidInputException("document", "document '" + id + "' is null");
            putMany(Map.of(id, document));
        }

        @Override
        public void putMany(Map<String, T> documents) {
            Objects.requireNonNull(documents, "documents");
            Map<String, DocumentTables.Prepared> prepared = prepare(documents);
            if (prepared.isEmpty()) return;
            write("put", db -> {
                DocumentTables.putMany(db, name, prepared, nowMicros());
                return null;
            });
        }

        private Map<String, DocumentTables.Prepared> prepare(Map<String, T> documents) {
            Map<String, DocumentTables.Prepared> prepared = new LinkedHashMap<>();
            for (Map.Entry<String, T> e : documents.entrySet()) {
                Documents.checkId(e.getKey());
                if (e.getValue() == null) throw new InvalidInputException("document", "document '" + e.getKey() + "' is null");
                String json = codec.encode(e.getValue());
                prepared.put(e.getKey(), new DocumentTables.Prepared(json, Documents.parse(json)));
            }
            return prepared;
        }

        @Override
        public boolean delete(String id) {
            Documents.checkId(id);
            return write("delete", db -> DocumentTables.delete(db, name, id));
        }

        /** Reads, changes and writes the document in one transaction. */
        @Override
        public void update(String id, UnaryOperator<T> change) {
            Documents.checkId(id);
            Objects.requireNonNull(change, "change");
            write("update", db -> {
                String before = DocumentTables.get(db, name, id);
                T after = change.apply(before == null ? null : codec.decode(before));
                if (after == null) {
                    if (before != null) DocumentTables.delete(db, name, id);
                } else {
                    Map<String, T> one = new LinkedHashMap<>();
                    one.put(id, after);
                    DocumentTables.putMany(db, name, prepare(one), nowMicros());
                }
                return null;
            });
        }

        @Override
        public Page<T> find(Query query) {
            Objects.requireNonNull(query, "query");
            DocumentTables.Rows rows = read("find", db -> DocumentTables.find(db, name, query));
            List<T> items = new java.util.ArrayList<>(rows.docs().size());
            for (String json : rows.docs()) items.add(codec.decode(json));
            return new Page<>(items, rows.more() ? Optional.of(query.nextPage()) : Optional.empty());
        }

        @Override
        public long count(Query query) {
            Objects.requireNonNull(query, "query");
            return read("count", db -> DocumentTables.count(db, name, query));
        }

        @Override
        public void clear() {
            write("clear", db -> {
                DocumentTables.clear(db, name);
                return null;
            });
        }

        @Override
        public String toString() {
            return "SqliteCollection[" + name + "]";
        }
    }
}

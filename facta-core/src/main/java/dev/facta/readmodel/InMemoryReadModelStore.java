package dev.facta.readmodel;

import dev.facta.InvalidInputException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Read models in this process's memory: for tests, demos and single-process applications. Each
 * document is kept as its JSON text with a parsed copy for queries, and a revision (1 on insert, +1
 * on every write). Queries follow exactly the semantics of {@link Query} and {@link Predicate}; unique
 * indexes are enforced, other indexes are recorded and have no further effect.
 *
 * <p>Safe for use by many threads. Writers take one store-wide lock: a plain {@link #collection}
 * write holds it for that one operation, a {@link Tx} from {@link #begin()} until it ends. Readers
 * never wait for a transaction: they see committed documents only, and every commit becomes visible
 * at once.
 */
public final class InMemoryReadModelStore implements ReadModelStore {

    /** One stored document. */
    private record Stored(String json, Map<String, Object> tree, long revision) {
    }

    /** A document ready to be written: its JSON text, checked and parsed. */
    private record Prepared(String json, Map<String, Object> tree) {
    }

    /** One collection's committed state. */
    private static final class Data {
        final TreeMap<String, Stored> docs = new TreeMap<>(DocumentMatcher.ID_ORDER);
        final Set<Index> indexes = new LinkedHashSet<>();
        /** For each unique index: indexed value to the id holding it. */
        final Map<Index, Map<Object, String>> unique = new HashMap<>();

        boolean isEmpty() {
            return docs.isEmpty() && indexes.isEmpty();
        }

        void remove(String id) {
            Stored old = docs.remove(id);
            if (old == null) return;
            for (var e : unique.entrySet()) {
                Object key = uniqueKey(e.getKey(), old.tree());
                if (key != null) e.getValue().remove(key, id);
            }
        }

        void put(String id, Stored doc) {
            remove(id);
            docs.put(id, doc);
            for (var e : unique.entrySet()) {
                Object key = uniqueKey(e.getKey(), doc.tree());
                if (key != null) e.getValue().put(key, id);
            }
        }
    }

    /** Serializes writers; a transaction holds it from begin to end. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Taken briefly: shared by readers, exclusive while a commit is applied. */
    private final ReadWriteLock visibility = new ReentrantReadWriteLock();
    /** Committed collections by name; changed only under both locks. */
    private final Map<String, Data> committed = new HashMap<>();

    @Override
    public <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec) {
        ReadModelStore.checkName(name);
        Objects.requireNonNull(codec, "codec");
        return new View<>(name, codec, null);
    }

    /**
     * Begins a transaction, taking the store's write lock until it is committed or rolled back (other
     * writers wait meanwhile; readers do not). Must be ended by the thread that began it.
     *
     * @throws IllegalStateException this thread already has a transaction open
     */
    public Tx begin() {
        if (writeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread already has a read-model transaction open");
        }
        writeLock.lock();
        return new Tx();
    }

    @Override
    public void createIndex(String collection, Index index) {
        ReadModelStore.checkName(collection);
        Objects.requireNonNull(index, "index");
        try (Tx tx = begin()) {
            Data existing = committed.get(collection);
            if (existing != null && existing.indexes.contains(index)) return;
            Map<Object, String> holders = null;
            if (index.unique()) {
                holders = new HashMap<>();
                if (existing != null) {
                    for (var e : existing.docs.entrySet()) {
                        Object key = uniqueKey(index, e.getValue().tree());
                        if (key == null) continue;
                        String other = holders.putIfAbsent(key, e.getKey());
                        if (other != null) {
                            throw new UniqueViolationException(collection, index.field(), null, "cannot create a unique index on "
                                    + collection + "." + index.field() + ": documents " + quote(other) + " and "
                                    + quote(e.getKey()) + " hold the same value");
                        }
                    }
                }
            }
            Map<Object, String> built = holders;
            tx.apply(() -> {
                Data d = committed.computeIfAbsent(collection, k -> new Data());
                d.indexes.add(index);
                if (built != null) d.unique.put(index, built);
            });
            tx.commit();
        }
    }

    @Override
    public void dropCollection(String collection) {
        ReadModelStore.checkName(collection);
        try (Tx tx = begin()) {
            tx.apply(() -> committed.remove(collection));
            tx.commit();
        }
    }

    @Override
    public List<String> collections() {
        visibility.readLock().lock();
        try {
            List<String> names = new ArrayList<>();
            for (var e : committed.entrySet()) {
                if (!e.getValue().isEmpty()) names.add(e.getKey());
            }
            names.sort(null);
            return names;
        } finally {
            visibility.readLock().unlock();
        }
    }

    /** The revision of a committed document (0 when there is none): 1 when inserted, +1 on every write. */
    long revision(String collection, String id) {
        visibility.readLock().lock();
        try {
            Data d = committed.get(collection);
            Stored s = d == null ? null : d.docs.get(id);
            return s == null ? 0 : s.revision();
        } finally {
            visibility.readLock().unlock();
        }
    }

    /** A collection's documents as immutable entries in id order (TreeMap entries change under later writes). */
    private static List<Map.Entry<String, Stored>> snapshot(Data d) {
        if (d == null) return new ArrayList<>();
        List<Map.Entry<String, Stored>> out = new ArrayList<>(d.docs.size());
        for (var e : d.docs.entrySet()) out.add(Map.entry(e.getKey(), e.getValue()));
        return out;
    }

    /** The value a unique index holds for a document, or null when the index does not constrain it. */
    private static Object uniqueKey(Index index, Map<String, Object> tree) {
        Object v = DocumentMatcher.valueAt(tree, index.field().split("\\."));
        return switch (index.kind()) {
            case TEXT -> v instanceof String s ? s : null;
            case NUMBER -> v instanceof BigDecimal n ? (n.signum() == 0 ? BigDecimal.ZERO : n.stripTrailingZeros()) : null;
        };
    }

    private static String quote(String id) {
        return "'" + id + "'";
    }

    /**
     * A read-model transaction: collections bound to it see its own writes, and nothing is visible to
     * anyone else until {@link #commit()}, which applies every write at once. Used by the thread that
     * began it; {@link #close()} rolls back unless it was committed.
     */
    public final class Tx implements AutoCloseable {
        /** A collection's writes in this transaction. */
        private final class Pending {
            boolean cleared;
            /** Id to the new document, or null for a deletion. */
            final TreeMap<String, Stored> changes = new TreeMap<>(DocumentMatcher.ID_ORDER);
            /** For each unique index, the value to the last id written with it in this transaction. */
            final Map<Index, Map<Object, String>> written = new HashMap<>();
        }

        private final Thread owner = Thread.currentThread();
        private final Map<String, Pending> pending = new LinkedHashMap<>();
        private final List<Runnable> structural = new ArrayList<>();
        private boolean ended;

        private Tx() {
        }

        /** A collection, by its stored name, bound to this transaction. */
        public <T> DocumentCollection<T> collection(String storedName, DocumentCodec<T> codec) {
            checkUsable();
            ReadModelStore.checkName(storedName);
            Objects.requireNonNull(codec, "codec");
            return new View<>(storedName, codec, this);
        }

        /** Applies every write of the transaction at once and releases the store's write lock. */
        public void commit() {
            checkUsable();
            ended = true;
            try {
                visibility.writeLock().lock();
                try {
                    for (Runnable r : structural) r.run();
                    for (var e : pending.entrySet()) {
                        Pending p = e.getValue();
                        Data d = committed.computeIfAbsent(e.getKey(), k -> new Data());
                        if (p.cleared) {
                            d.docs.clear();
                            for (Map<Object, String> m : d.unique.values()) m.clear();
                        }
                        for (var c : p.changes.entrySet()) {
                            if (c.getValue() == null) d.remove(c.getKey());
                            else d.put(c.getKey(), c.getValue());
                        }
                        if (d.isEmpty()) committed.remove(e.getKey());
                    }
                } finally {
                    visibility.writeLock().unlock();
                }
            } finally {
                release();
            }
        }

        /** Discards every write of the transaction and releases the store's write lock. */
        public void rollback() {
            checkUsable();
            ended = true;
            release();
        }

        /** Rolls back unless the transaction was committed or rolled back already. */
        @Override
        public void close() {
            if (!ended) rollback();
        }

        private void release() {
            pending.clear();
            structural.clear();
            writeLock.unlock();
        }

        private void checkUsable() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a read-model transaction must be used and ended by the thread that began it");
            }
            if (ended) throw new IllegalStateException("the read-model transaction has ended");
        }

        private void apply(Runnable change) {
            structural.add(change);
        }

        private Stored visible(String collection, String id) {
            Pending p = pending.get(collection);
            if (p != null) {
                if (p.changes.containsKey(id)) return p.changes.get(id);
                if (p.cleared) return null;
            }
            Data d = committed.get(collection);
            return d == null ? null : d.docs.get(id);
        }

        /** Every visible document of the collection, in id order. */
        private List<Map.Entry<String, Stored>> scan(String collection) {
            Pending p = pending.get(collection);
            if (p == null) return snapshot(committed.get(collection));
            Data d = committed.get(collection);
            List<Map.Entry<String, Stored>> out = new ArrayList<>();
            if (d != null && !p.cleared) {
                for (var e : d.docs.entrySet()) {
                    if (!p.changes.containsKey(e.getKey())) out.add(Map.entry(e.getKey(), e.getValue()));
                }
            }
            for (var e : p.changes.entrySet()) {
                if (e.getValue() != null) out.add(Map.entry(e.getKey(), e.getValue()));
            }
            out.sort(Map.Entry.comparingByKey(DocumentMatcher.ID_ORDER));
            return out;
        }

        private Pending pending(String collection) {
            return pending.computeIfAbsent(collection, k -> new Pending());
        }

        /**
         * Writes documents (null values delete), all or none: a unique violation undoes the ones
         * already written by this call.
         */
        private void write(String collection, Map<String, Prepared> docs) {
            checkUsable();
            Data d = committed.get(collection);
            Set<Index> uniques = d == null ? Set.of() : d.unique.keySet();
            Pending p = pending(collection);
            List<Runnable> undo = new ArrayList<>();
            try {
                for (var e : docs.entrySet()) {
                    String id = e.getKey();
                    Stored before = visible(collection, id);
                    Stored after = null;
                    if (e.getValue() != null) {
                        after = new Stored(e.getValue().json(), e.getValue().tree(), before == null ? 1 : before.revision() + 1);
                        for (Index index : uniques) {
                            Object key = uniqueKey(index, after.tree());
                            if (key == null) continue;
                            String holder = holderOf(collection, d, p, index, key, id);
                            if (holder != null) {
                                throw new UniqueViolationException(collection, index.field(), id, "document " + quote(id)
                                        + " of " + collection + " has the same " + index.field() + " as document " + quote(holder)
                                        + " (unique index)");
                            }
                        }
                    }
                    boolean had = p.changes.containsKey(id);
                    Stored previous = p.changes.put(id, after);
                    undo.add(() -> {
                        if (had) p.changes.put(id, previous);
                        else p.changes.remove(id);
                    });
                    if (after != null) {
                        for (Index index : uniques) {
                            Object key = uniqueKey(index, after.tree());
                            if (key == null) continue;
                            Map<Object, String> w = p.written.computeIfAbsent(index, k -> new HashMap<>());
                            String last = w.put(key, id);
                            undo.add(() -> {
                                if (last == null) w.remove(key);
                                else w.put(key, last);
                            });
                        }
                    }
                }
            } catch (RuntimeException ex) {
                for (int i = undo.size() - 1; i >= 0; i--) undo.get(i).run();
                throw ex;
            }
        }

        /** The id of another document that holds {@code key} in a unique index, as this transaction sees it. */
        private String holderOf(String collection, Data d, Pending p, Index index, Object key, String id) {
            String committedHolder = d.unique.get(index).get(key);
            Map<Object, String> w = p.written.get(index);
            String writtenHolder = w == null ? null : w.get(key);
            for (String candidate : new String[] {committedHolder, writtenHolder}) {
                if (candidate == null || candidate.equals(id)) continue;
                Stored s = visible(collection, candidate);
                if (s != null && key.equals(uniqueKey(index, s.tree()))) return candidate;
            }
            return null;
        }

        private void clear(String collection) {
            checkUsable();
            Pending p = pending(collection);
            p.cleared = true;
            p.changes.clear();
            p.written.clear();
        }
    }

    /** A collection seen through a transaction, or committed data with each write its own transaction. */
    private final class View<T> implements DocumentCollection<T> {
        private final String name;
        private final DocumentCodec<T> codec;
        private final Tx tx;

        View(String name, DocumentCodec<T> codec, Tx tx) {
            this.name = name;
            this.codec = codec;
            this.tx = tx;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Optional<T> get(String id) {
            Documents.checkId(id);
            Stored s = read(() -> tx != null ? tx.visible(name, id) : committedDoc(id));
            return s == null ? Optional.empty() : Optional.of(codec.decode(s.json()));
        }

        @Override
        public Map<String, T> getMany(Collection<String> ids) {
            Objects.requireNonNull(ids, "ids");
            for (String id : ids) Documents.checkId(id);
            Map<String, Stored> found = read(() -> {
                Map<String, Stored> m = new LinkedHashMap<>();
                for (String id : ids) {
                    Stored s = tx != null ? tx.visible(name, id) : committedDoc(id);
                    if (s != null) m.put(id, s);
                }
                return m;
            });
            Map<String, T> out = new LinkedHashMap<>();
            for (var e : found.entrySet()) out.put(e.getKey(), codec.decode(e.getValue().json()));
            return out;
        }

        @Override
        public void put(String id, T document) {
            Documents.checkId(id);
            if (document == null) throw new InvalidInputException("document", "document " + quote(id) + " is null");
            putMany(Map.of(id, document));
        }

        @Override
        public void putMany(Map<String, T> documents) {
            Objects.requireNonNull(documents, "documents");
            Map<String, Prepared> prepared = new LinkedHashMap<>();
            for (var e : documents.entrySet()) {
                Documents.checkId(e.getKey());
                if (e.getValue() == null) throw new InvalidInputException("document", "document " + quote(e.getKey()) + " is null");
                String json = codec.encode(e.getValue());
                prepared.put(e.getKey(), new Prepared(json, Documents.parse(json)));
            }
            if (prepared.isEmpty()) return;
            write(t -> t.write(name, prepared));
        }

        @Override
        public boolean delete(String id) {
            Documents.checkId(id);
            boolean[] existed = new boolean[1];
            write(t -> {
                existed[0] = t.visible(name, id) != null;
                if (existed[0]) {
                    Map<String, Prepared> one = new HashMap<>();
                    one.put(id, null);
                    t.write(name, one);
                }
            });
            return existed[0];
        }

        @Override
        public Page<T> find(Query query) {
            Objects.requireNonNull(query, "query");
            DocumentMatcher matcher = new DocumentMatcher(query);
            List<Map.Entry<String, Stored>> matching = read(() -> {
                List<Map.Entry<String, Stored>> m = new ArrayList<>();
                for (var e : all()) {
                    if (matcher.matches(e.getValue().tree())) m.add(e);
                }
                return m;
            });
            if (!query.sort().isEmpty()) {
                matching.sort(matcher.order(Map.Entry::getKey, e -> e.getValue().tree()));
            }
            long from = Math.min(query.offset(), matching.size());
            long to = Math.min(from + query.limit(), matching.size());
            List<T> items = new ArrayList<>((int) (to - from));
            for (int i = (int) from; i < to; i++) items.add(codec.decode(matching.get(i).getValue().json()));
            Optional<Query> next = to < matching.size() ? Optional.of(query.nextPage()) : Optional.empty();
            return new Page<>(items, next);
        }

        @Override
        public long count(Query query) {
            Objects.requireNonNull(query, "query");
            DocumentMatcher matcher = new DocumentMatcher(query);
            return read(() -> {
                long n = 0;
                for (var e : all()) {
                    if (matcher.matches(e.getValue().tree())) n++;
                }
                return n;
            });
        }

        @Override
        public void clear() {
            write(t -> t.clear(name));
        }

        private Stored committedDoc(String id) {
            Data d = committed.get(name);
            return d == null ? null : d.docs.get(id);
        }

        /** Visible documents in id order; called inside {@link #read}. */
        private List<Map.Entry<String, Stored>> all() {
            return tx != null ? tx.scan(name) : snapshot(committed.get(name));
        }

        private <R> R read(java.util.function.Supplier<R> reader) {
            if (tx != null) {
                tx.checkUsable();
                return reader.get();
            }
            visibility.readLock().lock();
            try {
                return reader.get();
            } finally {
                visibility.readLock().unlock();
            }
        }

        private void write(java.util.function.Consumer<Tx> change) {
            if (tx != null) {
                tx.checkUsable();
                change.accept(tx);
                return;
            }
            try (Tx own = begin()) {
                change.accept(own);
                own.commit();
            }
        }
    }
}

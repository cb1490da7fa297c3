package dev.facta.redis;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.InMemoryReadModelStore;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.UniqueViolationException;
import dev.facta.redis.internal.ReadModelScripts;
import dev.facta.redis.internal.RedisConnections;
import dev.facta.redis.internal.Scripts;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Read-model collections in Redis. Documents are JSON text in one hash per collection, with a revision
 * per document (1 on insert, +1 on every write); every write is one Lua script, so a batch is stored
 * whole or not at all and readers never see half of it.
 *
 * <p>Declared {@link Index indexes} are kept as sorted sets: TEXT ones ordered by the value's UTF-8 bytes
 * (which is code point order), NUMBER ones scored by the value as a double. A query uses one index to
 * narrow the candidates inside Redis, then every condition, the order and the page are applied exactly
 * as {@link Query} defines them by the core's in-memory evaluator, so results agree with every other
 * store (doubles only ever widen the candidate set, never decide a match). Unique indexes are hashes from
 * value to id, checked and updated in the same script as the write. {@link DocumentCollection#update}
 * is optimistic: it re-reads and retries when the document's revision moved in between.
 *
 * <p>A collection may be given a TTL ({@link Builder#collectionTtl}): each of its documents then expires
 * that long after its last write, taking its index entries with it, and the collection's keys expire
 * in Redis once nothing is written for that long. Not for Redis Cluster: a collection's keys are named
 * inside its scripts.
 */
public final class RedisReadModelStore implements ReadModelStore, AutoCloseable {

    private static final String[] NO_KEYS = new String[0];
    /** Most attempts of a write that keeps meeting concurrent index changes or revision moves. */
    private static final int MAX_ATTEMPTS = 1000;

    private final RedisConnections.Owned<String, String> owned;
    private final RedisCommands<String, String> redis;
    private final String list;
    private final Map<String, Duration> ttls;
    /** Declared indexes per collection, with the index counter they were read at. */
    private final Map<String, Defs> defs = new ConcurrentHashMap<>();

    private record Defs(String version, List<Index> indexes) {
    }

    /** One index entry a document holds: the key suffix, the member (or unique value) and the score. */
    private record Entry(String suffix, String member, String score) {
    }

    private RedisReadModelStore(Builder b) {
        if (b.connection != null) {
            this.owned = null;
            this.redis = b.connection.sync();
        } else {
            this.owned = RedisConnections.open(b.uri, StringCodec.UTF8);
            this.redis = owned.connection().sync();
        }
        this.list = b.prefix + ":rm";
        this.ttls = Map.copyOf(b.ttls);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A store on the Redis server at {@code uri} ({@code redis://host:port}) with the default prefix. */
    public static RedisReadModelStore open(String uri) {
        return builder().uri(uri).build();
    }

    /** How a {@link RedisReadModelStore} is set up. */
    public static final class Builder {
        private String uri = "redis://127.0.0.1:6379";
        private StatefulRedisConnection<String, String> connection;
        private String prefix = "facta";
        private final Map<String, Duration> ttls = new HashMap<>();

        private Builder() {
        }

        /** The server to connect to; the store owns that connection and closes it. */
        public Builder uri(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            return this;
        }

        /** A connection the application owns (UTF-8 string codec); the store never closes it. */
        public Builder connection(StatefulRedisConnection<String, String> connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            return this;
        }

        /** The start of every key this store writes (default {@code facta}). */
        public Builder prefix(String prefix) {
            this.prefix = RedisConnections.checkPrefix(prefix);
            return this;
        }

        /** Documents of that collection expire this long after their last write. */
        public Builder collectionTtl(String collection, Duration ttl) {
            ReadModelStore.checkName(collection);
            if (ttl == null || ttl.toMillis() <= 0) {
                throw new InvalidInputException("ttl", "a collection TTL must be at least one millisecond: " + ttl);
            }
            ttls.put(collection, ttl);
            return this;
        }

        public RedisReadModelStore build() {
            return new RedisReadModelStore(this);
        }
    }

    @Override
    public <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec) {
        ReadModelStore.checkName(name);
        Objects.requireNonNull(codec, "codec");
        return new RedisCollection<>(name, codec);
    }

    @Override
    public void createIndex(String collection, Index index) {
        ReadModelStore.checkName(collection);
        Objects.requireNonNull(index, "index");
        String base = base(collection);
        String def = def(index);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (defs(collection, true).indexes().contains(index)) return;
            List<String> snapshot = run(ReadModelScripts.SNAPSHOT, ScriptOutputType.MULTI, base);
            List<String> args = new ArrayList<>(List.of(list, base, collection, snapshot.get(0), snapshot.get(1), def, ttl(collection)));
            Map<String, String> holders = new HashMap<>();
            for (int i = 2; i < snapshot.size(); i += 2) {
                String id = snapshot.get(i);
                Set<Entry> entries = new LinkedHashSet<>();
                entries(index, id, Documents.parse(snapshot.get(i + 1)), entries);
                for (Entry e : entries) {
                    if (!isUnique(e.suffix())) continue;
                    String other = holders.putIfAbsent(e.member(), id);
                    if (other != null) {
                        throw new UniqueViolationException(collection, index.field(), null, "cannot create a unique index on "
                                + collection + "." + index.field() + ": documents \"" + other + "\" and \"" + id + "\" hold the same value");
                    }
                }
                if (!entries.isEmpty()) {
                    args.add(id);
                    args.add(encode(entries));
                }
            }
            String result = run(ReadModelScripts.INSTALL, ScriptOutputType.STATUS, args.toArray(String[]::new));
            defs.remove(collection);
            if ("OK".equals(result)) return;
        }
        throw new FactaException("could not create the index on " + collection + "." + index.field()
                + ": the collection kept changing while it was built");
    }

    @Override
    public void dropCollection(String collection) {
        ReadModelStore.checkName(collection);
        run(ReadModelScripts.DROP, ScriptOutputType.INTEGER, list, base(collection), collection);
        defs.remove(collection);
    }

    @Override
    public List<String> collections() {
        return run(ReadModelScripts.COLLECTIONS, ScriptOutputType.MULTI, list);
    }

    /** Closes the connection when the store opened it itself. */
    @Override
    public void close() {
        if (owned != null) owned.close();
    }

    @Override
    public String toString() {
        return "RedisReadModelStore[prefix=" + list.substring(0, list.length() - 3) + "]";
    }

    private <R> R run(Scripts script, ScriptOutputType type, String... args) {
        return script.run(redis, type, NO_KEYS, args);
    }

    private String base(String collection) {
        return list + ":" + collection;
    }

    private String ttl(String collection) {
        Duration ttl = ttls.get(collection);
        return ttl == null ? "0" : Long.toString(ttl.toMillis());
    }

    private Defs defs(String collection, boolean fresh) {
        if (!fresh) {
            Defs cached = defs.get(collection);
            if (cached != null) return cached;
        }
        List<String> found = run(ReadModelScripts.DEFS, ScriptOutputType.MULTI, base(collection));
        List<Index> indexes = new ArrayList<>();
        for (String d : found.subList(1, found.size())) {
            int colon = d.indexOf(':');
            Index.Kind kind = d.charAt(0) == 'n' ? Index.Kind.NUMBER : Index.Kind.TEXT;
            indexes.add(new Index(d.substring(colon + 1), kind, d.charAt(1) == 'u'));
        }
        Defs loaded = new Defs(found.getFirst(), List.copyOf(indexes));
        defs.put(collection, loaded);
        return loaded;
    }

    /** How an index is named among a collection's declared indexes: kind, 'u' when unique, ':', field. */
    private static String def(Index index) {
        return (index.kind() == Index.Kind.NUMBER ? "n" : "t") + (index.unique() ? "u" : "") + ":" + index.field();
    }

    private static boolean isUnique(String suffix) {
        return suffix.charAt(1) == 'u';
    }

    /** Adds the entries a document holds in one index: its sorted-set member, and its unique value. */
    private static void entries(Index index, String id, Map<String, Object> tree, Set<Entry> out) {
        Object value = tree;
        for (String segment : index.field().split("\\.")) {
            value = value instanceof Map<?, ?> m ? m.get(segment) : null;
        }
        if (index.kind() == Index.Kind.TEXT && value instanceof String s) {
            out.add(new Entry("t:" + index.field(), s + '\0' + id, "0"));
            if (index.unique()) out.add(new Entry("tu:" + index.field(), s, ""));
        } else if (index.kind() == Index.Kind.NUMBER && value instanceof BigDecimal n) {
            out.add(new Entry("n:" + index.field(), id, score(n)));
            if (index.unique()) out.add(new Entry("nu:" + index.field(), n.signum() == 0 ? "0" : n.stripTrailingZeros().toString(), ""));
        }
    }

    private static String score(BigDecimal n) {
        double d = n.doubleValue();
        if (Double.isInfinite(d)) return d > 0 ? "+inf" : "-inf";
        return Double.toString(d);
    }

    /** Entries as the scripts read them: each string as its UTF-8 length, ':', and the string. */
    private static String encode(Collection<Entry> entries) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            for (String s : List.of(e.suffix(), e.member(), e.score())) {
                sb.append(s.getBytes(StandardCharsets.UTF_8).length).append(':').append(s);
            }
        }
        return sb.toString();
    }

    /** The scripts' arguments that narrow a query through one index, or null when no index serves it. */
    private static List<String> narrowing(Query query, List<Index> indexes) {
        for (Query.Condition c : query.conditions()) {
            Predicate p = c.predicate();
            String op = switch (p.op()) {
                case EQ, IN -> "eq";
                case GT -> "gt";
                case GTE -> "gte";
                case LT -> "lt";
                case LTE -> "lte";
                case STARTS_WITH -> "prefix";
                default -> null;
            };
            if (op == null) continue;
            for (Index index : indexes) {
                if (!index.field().equals(c.field())) continue;
                boolean number = index.kind() == Index.Kind.NUMBER;
                if (number && op.equals("prefix")) continue;
                Class<?> type = number ? BigDecimal.class : String.class;
                if (!p.values().stream().allMatch(type::isInstance)) continue;
                List<String> args = new ArrayList<>(List.of(number ? "score" : "lex", (number ? "n:" : "t:") + index.field()));
                for (Object v : p.values()) {
                    args.add(op);
                    args.add(number ? score((BigDecimal) v) : (String) v);
                }
                return args;
            }
        }
        return null;
    }

    /** One collection's view of the store; each operation its own script. */
    private final class RedisCollection<T> implements DocumentCollection<T> {
        private final String name;
        private final String base;
        private final DocumentCodec<T> codec;

        RedisCollection(String name, DocumentCodec<T> codec) {
            this.name = name;
            this.base = base(name);
            this.codec = codec;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Optional<T> get(String id) {
            Documents.checkId(id);
            List<String> found = run(ReadModelScripts.GET, ScriptOutputType.MULTI, base, id);
            String json = found.getFirst();
            return json == null ? Optional.empty() : Optional.of(codec.decode(json));
        }

        @Override
        public Map<String, T> getMany(Collection<String> ids) {
            List<String> wanted = new ArrayList<>(new LinkedHashSet<>(ids));
            for (String id : wanted) Documents.checkId(id);
            Map<String, T> out = new LinkedHashMap<>();
            for (int from = 0; from < wanted.size(); from += 1000) {
                List<String> chunk = wanted.subList(from, Math.min(from + 1000, wanted.size()));
                List<String> args = new ArrayList<>(chunk.size() + 1);
                args.add(base);
                args.addAll(chunk);
                List<String> found = run(ReadModelScripts.GET, ScriptOutputType.MULTI, args.toArray(String[]::new));
                for (int i = 0; i < chunk.size(); i++) {
                    if (found.get(i) != null) out.put(chunk.get(i), codec.decode(found.get(i)));
                }
            }
            return out;
        }

        @Override
        public void put(String id, T document) {
            write(Map.of(Documents.checkId(id), checked(document)), "");
        }

        @Override
        public void putMany(Map<String, T> documents) {
            Map<String, Map.Entry<String, Map<String, Object>>> checked = new LinkedHashMap<>();
            for (var e : documents.entrySet()) {
                Documents.checkId(e.getKey());
                checked.put(e.getKey(), checked(e.getValue()));
            }
            if (!checked.isEmpty()) write(checked, "");
        }

        @Override
        public boolean delete(String id) {
            Documents.checkId(id);
            List<String> result = run(ReadModelScripts.DELETE, ScriptOutputType.MULTI, list, base, name, id, "");
            return "1".equals(result.get(1));
        }

        /** Reads the document and its revision, applies the change, and writes it only if the revision has not moved. */
        @Override
        public void update(String id, UnaryOperator<T> change) {
            Documents.checkId(id);
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                List<String> found = run(ReadModelScripts.GET_REVISION, ScriptOutputType.MULTI, base, id);
                String json = found.get(0);
                String revision = found.get(1);
                T before = json == null ? null : codec.decode(json);
                T after = change.apply(before);
                boolean written;
                if (after == null) {
                    if (json == null) return;
                    written = "OK".equals(RedisReadModelStore.this.<List<String>>run(ReadModelScripts.DELETE, ScriptOutputType.MULTI, list, base, name, id, revision).getFirst());
                } else {
                    written = write(Map.of(id, checked(after)), revision);
                }
                if (written) return;
            }
            throw new FactaException("could not update " + name + "/" + id + ": it kept changing concurrently");
        }

        @Override
        public Page<T> find(Query query) {
            Objects.requireNonNull(query, "query");
            if (query.conditions().isEmpty() && query.sort().isEmpty()) {
                List<String> found = run(ReadModelScripts.FIND, ScriptOutputType.MULTI, base, "page",
                        Long.toString(query.offset()), Integer.toString(query.limit() + 1));
                List<T> items = new ArrayList<>();
                for (int i = 1; i < found.size() && items.size() < query.limit(); i += 2) items.add(codec.decode(found.get(i)));
                boolean more = found.size() / 2 > query.limit();
                return new Page<>(items, more ? Optional.of(query.nextPage()) : Optional.empty());
            }
            Page<String> page = evaluate(query).find(query);
            List<T> items = new ArrayList<>(page.items().size());
            for (String json : page.items()) items.add(codec.decode(json));
            return new Page<>(items, page.next());
        }

        @Override
        public long count(Query query) {
            Objects.requireNonNull(query, "query");
            if (query.conditions().isEmpty()) {
                Long n = run(ReadModelScripts.FIND, ScriptOutputType.INTEGER, base, "count");
                return n;
            }
            return evaluate(query).count(query);
        }

        @Override
        public void clear() {
            run(ReadModelScripts.CLEAR, ScriptOutputType.INTEGER, list, base, name);
        }

        /** The candidates for a query, fetched in one script, in an in-memory collection that evaluates it exactly. */
        private DocumentCollection<String> evaluate(Query query) {
            List<String> args = new ArrayList<>(List.of(base));
            List<String> narrow = narrowing(query, defs(name, false).indexes());
            if (narrow == null) args.add("all");
            else args.addAll(narrow);
            List<String> found = run(ReadModelScripts.FIND, ScriptOutputType.MULTI, args.toArray(String[]::new));
            Map<String, String> candidates = new HashMap<>();
            for (int i = 0; i < found.size(); i += 2) candidates.put(found.get(i), found.get(i + 1));
            DocumentCollection<String> evaluator = new InMemoryReadModelStore().collection(name, DocumentCodec.json());
            evaluator.putMany(candidates);
            return evaluator;
        }

        private Map.Entry<String, Map<String, Object>> checked(T document) {
            String json = codec.encode(document);
            return Map.entry(json, Documents.parse(json));
        }

        /**
         * Writes checked documents in one script; false when {@code revision} is given and the document's
         * revision is no longer it ('0': the document must not exist).
         */
        private boolean write(Map<String, Map.Entry<String, Map<String, Object>>> docs, String revision) {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Defs current = defs(name, attempt > 0);
                List<String> args = new ArrayList<>(6 + docs.size() * 4);
                args.addAll(List.of(list, base, name, current.version(), ttl(name), Integer.toString(docs.size())));
                for (var e : docs.entrySet()) {
                    Set<Entry> entries = new LinkedHashSet<>();
                    for (Index index : current.indexes()) entries(index, e.getKey(), e.getValue().getValue(), entries);
                    args.add(e.getKey());
                    args.add(e.getValue().getKey());
                    args.add(encode(entries));
                    args.add(revision);
                }
                List<String> result = run(ReadModelScripts.PUT, ScriptOutputType.MULTI, args.toArray(String[]::new));
                switch (result.getFirst()) {
                    case "OK" -> {
                        return true;
                    }
                    case "CONFLICT" -> {
                        return false;
                    }
                    case "UNIQUE" -> {
                        String field = result.get(1).substring(result.get(1).indexOf(':') + 1);
                        throw new UniqueViolationException(name, field, result.get(2), "document \"" + result.get(2) + "\" of "
                                + name + " holds the same " + field + " as document \"" + result.get(3) + "\" (unique index)");
                    }
                    default -> defs.remove(name); // STALE: the indexes changed; read them again
                }
            }
            throw new FactaException("could not write to " + name + ": its indexes kept changing");
        }
    }
}

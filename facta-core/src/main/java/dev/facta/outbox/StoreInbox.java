package dev.facta.outbox;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionStore;
import dev.facta.projection.ProjectionTransaction;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.UniqueViolationException;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link Inbox} whose marks are documents of a read-model collection ({@code inbox_<name>}) in a
 * {@link ProjectionStore}: in memory ({@link #inMemory}), in the SQLite file or in PostgreSQL
 * ({@link #on} with {@code SqliteProjectionStore} or {@code PostgresProjectionStore}). A message is
 * processed in one store transaction that first records its id under a unique index, then runs the
 * handler with the same transaction: the mark and the handler's effect commit together. A concurrent
 * delivery of the same id waits on the index (PostgreSQL) or the store's write lock (SQLite, memory)
 * and is then refused by the index, so it is dropped without running its handler.
 */
public final class StoreInbox implements Inbox {
    private static final String MESSAGE_ID = "messageId";
    private static final String PROCESSED_AT = "processedAt";

    /**
     * A processed id is two documents: a marker whose document id is the message id (looked up by id,
     * so the check costs one key lookup in every store) and a guard with a random id whose
     * {@code messageId} field is under a unique index (so two transactions recording the same id
     * cannot both commit). {@code key} is the document's own id.
     */
    private record Mark(String key, String messageId, String destination, long processedAt) {
    }

    private static final DocumentCodec<Mark> CODEC = new DocumentCodec<>() {
        @Override
        public String encode(Mark m) {
            StringBuilder sb = new StringBuilder(160).append("{\"key\":").append(Json.quote(m.key));
            if (m.messageId != null) sb.append(",\"" + MESSAGE_ID + "\":").append(Json.quote(m.messageId));
            return sb.append(",\"destination\":").append(Json.quote(m.destination))
                    .append(",\"" + PROCESSED_AT + "\":").append(m.processedAt).append('}').toString();
        }

        @Override
        public Mark decode(String json) {
            Map<String, Object> d = Documents.parse(json);
            return new Mark((String) d.get("key"), (String) d.get(MESSAGE_ID), (String) d.get("destination"),
                    ((BigDecimal) d.get(PROCESSED_AT)).longValue());
        }
    };

    private final ProjectionStore store;
    private final String collection;
    private final Clock clock;
    private final AtomicLong duplicates = new AtomicLong();

    private StoreInbox(ProjectionStore store, String name, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        if (name == null || !name.matches("[a-z][a-z0-9_]{0,41}")) {
            throw new InvalidInputException("name", "an inbox name is 1-42 characters of a-z, 0-9 and '_', starting with a letter: " + name);
        }
        this.collection = ReadModelStore.checkName("inbox_" + name);
        this.clock = Objects.requireNonNull(clock, "clock");
        store.readModels().createIndex(collection, Index.text(MESSAGE_ID).asUnique());
        store.readModels().createIndex(collection, Index.number(PROCESSED_AT));
    }

    /**
     * The inbox {@code name} in a projection store's database (collection {@code inbox_<name>}: 1-42
     * characters of a-z, 0-9 and '_'). Creates its indexes.
     */
    public static StoreInbox on(ProjectionStore store, String name) {
        return new StoreInbox(store, name, Clock.systemUTC());
    }

    /** The same, with a clock for the processing times ({@link #purgeProcessedBefore}). */
    public static StoreInbox on(ProjectionStore store, String name, Clock clock) {
        return new StoreInbox(store, name, clock);
    }

    /** An inbox in this process's memory, for tests and single-process applications. */
    public static StoreInbox inMemory(String name) {
        return new StoreInbox(new InMemoryProjectionStore(), name, Clock.systemUTC());
    }

    /** The store the marks (and the handlers' effects) live in. */
    public ProjectionStore store() {
        return store;
    }

    /** The stored name of the collection of marks. */
    public String collection() {
        return collection;
    }

    @Override
    public boolean process(InboxMessage message, InboxHandler handler) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(handler, "handler");
        try {
            boolean handled = store.inTransaction(tx -> {
                DocumentCollection<Mark> marks = tx.collection(collection, CODEC);
                if (marks.get(message.id()).isPresent()) return false;
                long now = clock.millis();
                String guard = "g:" + UUID.randomUUID();
                Map<String, Mark> both = new LinkedHashMap<>();
                both.put(guard, new Mark(guard, message.id(), message.destination(), now));
                both.put(message.id(), new Mark(message.id(), null, message.destination(), now));
                marks.putMany(both);
                handler.handle(message, new Context(tx));
                return true;
            });
            if (!handled) duplicates.incrementAndGet();
            return handled;
        } catch (UniqueViolationException e) {
            if (collection.equals(e.collection()) && seen(message.id())) {
                duplicates.incrementAndGet();
                return false; // a concurrent delivery of the same id committed first
            }
            throw e;
        }
    }

    @Override
    public boolean seen(String messageId) {
        return store.readModels().collection(collection, CODEC).get(dev.facta.readmodel.Documents.checkId(messageId)).isPresent();
    }

    /** How many duplicates this instance dropped since it was created. */
    public long duplicatesDropped() {
        return duplicates.get();
    }

    /** How many message ids are remembered. */
    public long size() {
        return store.readModels().collection(collection, CODEC).count(Query.where(MESSAGE_ID, Predicate.exists()));
    }

    /**
     * Forgets the ids processed before {@code before}: a message redelivered after that is processed
     * again. Keep them longer than any redelivery can come (the broker's retention of unacknowledged
     * messages, the relay's longest outage). Returns how many were removed.
     */
    public long purgeProcessedBefore(Instant before) {
        Objects.requireNonNull(before, "before");
        Query q = Query.where(PROCESSED_AT, Predicate.lt(BigDecimal.valueOf(before.toEpochMilli()))).limit(1000);
        long removed = 0;
        while (true) {
            long[] n = store.inTransaction(tx -> {
                DocumentCollection<Mark> marks = tx.collection(collection, CODEC);
                long docs = 0;
                long ids = 0;
                for (Mark m : marks.find(q).items()) {
                    if (marks.delete(m.key())) {
                        docs++;
                        if (m.messageId() != null) ids++;
                    }
                }
                return new long[]{docs, ids};
            });
            if (n[0] == 0) return removed;
            removed += n[1];
        }
    }

    private static final class Context implements InboxContext {
        private final ProjectionTransaction tx;

        Context(ProjectionTransaction tx) {
            this.tx = tx;
        }

        @Override
        public <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec) {
            return tx.collection(ReadModelStore.checkName(name), codec);
        }

        @Override
        public <R> R unwrap(Class<R> type) {
            return tx.unwrap(type);
        }
    }
}

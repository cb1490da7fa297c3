package dev.facta.outbox;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;

/**
 * What an {@link InboxHandler} writes through: the same store transaction that records the message as
 * processed, so the handler's effect and the inbox mark commit together or not at all.
 */
public interface InboxContext {

    /** A read-model collection, by its stored name, bound to the transaction. */
    <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec);

    /**
     * The transaction's underlying resource for plain SQL ({@code java.sql.Connection} on SQLite and
     * PostgreSQL). Do not commit, roll back or close it.
     *
     * @throws UnsupportedOperationException the store has no such resource (in memory)
     */
    <R> R unwrap(Class<R> type);
}

package dev.facta.projection;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;

/**
 * What a projection sees while it applies events: its identity and the transaction it runs in.
 */
public interface ProjectionContext {

    String projection();

    int version();

    /** The segment being processed (0 when the projection is not partitioned). */
    int segment();

    /**
     * One of the projection's own collections, bound to the current transaction. The stored name
     * carries the version ({@code orders} of version 2 is {@code orders_v2}), so versions never
     * share documents.
     */
    <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec);

    /**
     * The transaction's underlying resource for plain SQL: {@code java.sql.Connection} on the
     * SQLite and PostgreSQL stores. Do not commit, roll back or close it.
     *
     * @throws UnsupportedOperationException the store has no such resource
     */
    <R> R unwrap(Class<R> type);
}

package dev.facta.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Lets appends join the application's own transactions (see
 * {@link PostgresEventStore.Builder#joinTransactions}): a framework's transaction manager tells the
 * store which connection, if any, holds the caller's current transaction on the store's database.
 * An append made while there is one is written in it ({@link PostgresEventStore#append(Connection,
 * dev.facta.store.StreamId, dev.facta.store.ExpectedVersion, java.util.List)}) and commits or rolls
 * back with it; without one, appends commit on their own as usual.
 */
public interface TransactionJoin {
    /**
     * The connection of the calling thread's current transaction (auto-commit off), or null when the
     * caller is in none. Each connection returned is handed back to {@link #release}.
     */
    Connection current() throws SQLException;

    /** Called after each append with the connection {@link #current} gave (never commits or closes a joined transaction's connection). */
    default void release(Connection connection) throws SQLException {
    }
}

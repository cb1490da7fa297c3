package dev.facta.outbox;

/**
 * The consumer side of the outbox: remembers which message ids were processed and drops a message it
 * has seen before, so a message delivered twice (a relay that died before its checkpoint, a broker
 * redelivery) has its effect once. {@link StoreInbox} keeps the ids in the same store as the handler's
 * effect (in memory, SQLite, PostgreSQL) and commits both in one transaction.
 */
public interface Inbox {

    /**
     * Hands the message to the handler unless its id was processed before; the handler's writes through
     * the context and the record of the id commit together. Two deliveries of the same id racing each
     * other have the effect once: the second waits for the first and is then dropped.
     *
     * @return true when the handler ran and committed now; false when the message was a duplicate
     * @throws dev.facta.FactaException the handler failed (nothing was recorded; the message may be
     *                                  delivered again)
     */
    boolean process(InboxMessage message, InboxHandler handler);

    /** Whether a message id was processed. */
    boolean seen(String messageId);
}

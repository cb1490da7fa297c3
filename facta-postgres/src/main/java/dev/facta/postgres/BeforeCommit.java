package dev.facta.postgres;

import dev.facta.store.RecordedEvent;

import java.sql.Connection;

/**
 * Runs inside an append transaction after its events are inserted and before it commits, on
 * the transaction's own connection: the place for work that must commit with the events or not
 * at all (an inline projection, an outbox row). Throwing rolls the append back and fails it.
 * With group commit the events may belong to several appends; if the hook throws, each append
 * is retried alone so that only the one whose events the hook refuses fails.
 */
@FunctionalInterface
public interface BeforeCommit {
    void beforeCommit(Connection connection, java.util.List<RecordedEvent> events) throws Exception;
}

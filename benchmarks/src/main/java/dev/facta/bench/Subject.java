package dev.facta.bench;

import java.util.List;

/** What a scenario runs against: a Facta store or plain JDBC, on one fresh store. */
public interface Subject extends AutoCloseable {

    /** A writer for one thread: plain JDBC gives each its own connection. */
    Writer newWriter() throws Exception;

    /** Whether {@link Writer#appendRolledBack} can make a real append transaction roll back. */
    boolean canRollBack();

    /** Reads the whole global log from the start, in pages (or fetches) of {@code pageSize}. */
    ReadStats readAll(int pageSize) throws Exception;

    @Override
    void close() throws Exception;

    interface Writer extends AutoCloseable {
        /**
         * Appends the events at {@code expectedVersion} ({@code -1}: the stream must not exist)
         * in one transaction and returns the version of the last event written.
         */
        long append(String stream, long expectedVersion, List<BenchEvent> events) throws Exception;

        /** Runs the same append in a transaction that is rolled back instead of committed. */
        void appendRolledBack(String stream, long expectedVersion, List<BenchEvent> events) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** What a read of the whole log saw; positions were checked to be strictly increasing. */
    record ReadStats(long events, long lastPosition, long dataBytes) {
    }
}

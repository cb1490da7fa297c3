package dev.facta.sqlite;

import dev.facta.FactaException;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * A few read-only connections, opened on demand, each lent to one thread at a time. In WAL mode
 * readers never wait for the writer, so the pool only bounds how many SQLite handles (and page
 * caches) the store holds. A connection that saw an error is closed rather than reused, so a
 * half-ended read transaction can never pin an old snapshot.
 */
final class ReaderPool implements AutoCloseable {

    @FunctionalInterface
    interface Opener {
        Db open() throws SQLException;
    }

    private final Semaphore permits;
    private final Opener opener;
    private final ArrayDeque<Db> idle = new ArrayDeque<>();
    private boolean closed;

    ReaderPool(int size, Opener opener) {
        this.permits = new Semaphore(size, true);
        this.opener = opener;
    }

    Db borrow() throws SQLException {
        permits.acquireUninterruptibly();
        Db db;
        synchronized (this) {
            if (closed) {
                permits.release();
                throw new FactaException("event store is closed");
            }
            db = idle.pollFirst();
        }
        if (db != null) return db;
        try {
            return opener.open();
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    void release(Db db, boolean broken) {
        boolean discard;
        synchronized (this) {
            discard = closed || broken;
            if (!discard) idle.addFirst(db);
        }
        if (discard) db.close();
        permits.release();
    }

    @Override
    public void close() {
        List<Db> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
        }
        // connections lent out right now are closed by release()
        toClose.forEach(Db::close);
    }
}

package dev.facta.sqlite;

import dev.facta.saga.SagaContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The saga contract on SQLite: each database is a fresh file holding events, instances, issued
 * commands, deadlines and checkpoints; "another process" opens the same file with its own writer
 * connection, so runtimes meet only through SQLite's file lock.
 */
class SqliteSagaTest extends SagaContract {

    @TempDir
    Path dir;

    private final AtomicInteger files = new AtomicInteger();

    @Override
    protected Db newDatabase() {
        SqliteEventStore events = SqliteEventStore.open(dir.resolve("facta-" + files.incrementAndGet() + ".db"));
        return new Db(events, SqliteProjectionStore.on(events), events.path());
    }

    @Override
    protected Db anotherProcess(Db db) {
        SqliteEventStore events = SqliteEventStore.open((Path) db.location());
        return new Db(events, SqliteProjectionStore.on(events), db.location());
    }
}

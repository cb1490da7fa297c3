package dev.facta.sqlite;

import dev.facta.projection.ProjectionEngineContract;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * The projection engine contract on a fresh SQLite file per test: events, read models, checkpoints
 * and leases in one file; "another process" is a second event store opened on the same file, with
 * its own writer connection, so engines in the same group compete for leases through SQLite's file
 * lock exactly as two processes would.
 */
class SqliteProjectionEngineTest extends ProjectionEngineContract {

    @TempDir
    Path dir;

    @Override
    protected EventStore newEventStore() {
        return SqliteEventStore.open(dir.resolve("facta.db"));
    }

    @Override
    protected EventStore anotherEventStore(EventStore events) {
        return SqliteEventStore.open(((SqliteEventStore) events).path());
    }

    @Override
    protected ProjectionStore newProjectionStore(EventStore events) {
        return SqliteProjectionStore.on((SqliteEventStore) events);
    }
}

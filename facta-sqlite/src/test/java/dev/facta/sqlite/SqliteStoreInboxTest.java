package dev.facta.sqlite;

import dev.facta.outbox.StoreInboxContract;
import dev.facta.projection.ProjectionStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * The inbox contract on a SQLite file: marks and effects in the events' file, in one transaction;
 * {@code sameDatabase} opens the file a second time, as another process would.
 */
class SqliteStoreInboxTest extends StoreInboxContract {

    @TempDir
    Path dir;

    @Override
    protected ProjectionStore newStore() {
        return SqliteProjectionStore.on(SqliteEventStore.open(dir.resolve("facta.db")));
    }

    @Override
    protected ProjectionStore sameDatabase(ProjectionStore store) {
        return SqliteProjectionStore.on(SqliteEventStore.open(((SqliteProjectionStore) store).events().path()));
    }

    @Override
    protected void closeStore(ProjectionStore store) {
        ((SqliteProjectionStore) store).events().close();
    }
}

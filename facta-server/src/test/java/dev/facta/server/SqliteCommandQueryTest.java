package dev.facta.server;

import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The command and query endpoints on the embedded default store, an SQLite file. */
class SqliteCommandQueryTest extends CommandQueryContract {
    @TempDir
    Path temp;

    @Override
    EventStore newStore() {
        return SqliteEventStore.builder(temp.resolve("facta.db")).open();
    }
}

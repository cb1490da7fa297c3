package dev.facta.server;

import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The HTTP API's contract on the embedded default store, an SQLite file. */
class SqliteHttpApiTest extends HttpApiContract {
    @TempDir
    Path temp;

    @Override
    EventStore newStore() {
        return SqliteEventStore.builder(temp.resolve("facta.db")).limits(LIMITS).open();
    }
}

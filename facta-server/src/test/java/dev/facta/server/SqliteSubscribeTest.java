package dev.facta.server;

import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteSubscribeTest extends SubscribeContract {
    @TempDir
    Path temp;

    @Override
    EventStore newStore() {
        return SqliteEventStore.open(temp.resolve("facta.db"));
    }
}

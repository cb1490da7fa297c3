package dev.facta.sqlite;

import dev.facta.outbox.OutboxRelayStoreContract;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The outbox relay on a SQLite file: parked messages in the events' file, written with the checkpoints. */
class SqliteOutboxRelayTest extends OutboxRelayStoreContract {

    @TempDir
    Path dir;

    @Override
    protected EventStore newEventStore() {
        return SqliteEventStore.open(dir.resolve("facta.db"));
    }

    @Override
    protected ProjectionStore newProjectionStore(EventStore events) {
        return SqliteProjectionStore.on((SqliteEventStore) events);
    }
}

package dev.facta.graphql;

import dev.facta.projection.ProjectionStore;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** GraphQL queries and subscriptions over the embedded SQLite store. */
class SqliteGraphQlTest extends GraphQlContract {
    @TempDir
    Path dir;

    @Override
    EventStore openEvents() {
        return SqliteEventStore.open(dir.resolve("facta.db"));
    }

    @Override
    ProjectionStore projectionsOf(EventStore events) {
        return SqliteProjectionStore.on((SqliteEventStore) events);
    }

    @Override
    void cleanUp() {
    }
}

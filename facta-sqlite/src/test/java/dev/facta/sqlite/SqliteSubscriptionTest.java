package dev.facta.sqlite;

import dev.facta.store.EventStore;
import dev.facta.subscription.SubscriptionContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

class SqliteSubscriptionTest extends SubscriptionContract {
    @TempDir
    Path dir;

    @Override
    protected EventStore createStore() {
        return SqliteEventStore.open(dir.resolve("events.db"));
    }

    @Override
    protected Duration pollInterval() {
        return Duration.ofSeconds(30); // appends by this store wake subscribers at once
    }
}

package dev.facta.sqlite;

import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotStoreContract;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The snapshot store contract on a fresh SQLite file per test, plus what a file must keep. */
class SqliteSnapshotStoreTest extends SnapshotStoreContract {

    @TempDir
    Path dir;

    private SqliteEventStore events;

    @Override
    protected SnapshotStore createStore() {
        events = SqliteEventStore.open(dir.resolve("facta.db"));
        return SqliteSnapshotStore.of(events);
    }

    @Override
    protected void destroyStore(SnapshotStore store) {
        ((SqliteSnapshotStore) store).close();
        events.close();
    }

    private static Snapshot snapshot(String stream, long version, String state) {
        return new Snapshot(StreamId.of(stream), version, 1, state.getBytes(StandardCharsets.UTF_8),
                Instant.parse("2025-03-01T10:15:30.123456Z"));
    }

    @Test
    void snapshots_share_the_file_with_the_events_and_survive_reopening_it() {
        Path file = dir.resolve("facta.db");
        events.append(StreamId.of("order-1"), ExpectedVersion.noStream(),
                List.of(EventData.of("OrderPlaced", "{}")));
        snapshots.save(snapshot("order-1", 0, "placed"));
        events.close();

        try (SqliteEventStore reopened = SqliteEventStore.open(file);
             SqliteSnapshotStore again = SqliteSnapshotStore.of(reopened)) {
            Snapshot s = again.latest(StreamId.of("order-1")).orElseThrow();
            assertThat(new String(s.state(), StandardCharsets.UTF_8)).isEqualTo("placed");
            // kept to the microsecond, like recorded times
            assertThat(s.takenAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123456Z"));
            assertThat(reopened.readStream(StreamId.of("order-1"))).hasSize(1);
        }
        events = SqliteEventStore.open(file); // for destroyStore
    }

    @Test
    void a_file_from_before_snapshots_gains_the_table_when_opened() throws Exception {
        Path old = dir.resolve("old.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old)) {
            assertThat(SqliteSchema.migrate(c, 1)).containsExactly(1);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO streams (stream, version) VALUES ('order-9', -1)");
            }
        }

        try (SqliteEventStore upgraded = SqliteEventStore.open(old)) {
            assertThat(upgraded.schemaVersion()).isEqualTo(SqliteSchema.LATEST);
            SqliteSnapshotStore store = SqliteSnapshotStore.of(upgraded);
            store.save(snapshot("order-9", 4, "upgraded"));
            assertThat(store.latest(StreamId.of("order-9"))).get().extracting(Snapshot::version).isEqualTo(4L);
            assertThat(upgraded.streamInfo(StreamId.of("order-9"))).isPresent();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM snapshots")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void a_snapshot_store_opened_on_its_own_closes_the_file_it_opened() {
        Path file = dir.resolve("own.db");
        try (SqliteSnapshotStore own = SqliteSnapshotStore.open(file)) {
            own.save(snapshot("cart-1", 2, "two"));
        }
        try (SqliteSnapshotStore own = SqliteSnapshotStore.open(file)) {
            assertThat(own.latest(StreamId.of("cart-1"))).get().extracting(Snapshot::version).isEqualTo(2L);
        }
    }
}

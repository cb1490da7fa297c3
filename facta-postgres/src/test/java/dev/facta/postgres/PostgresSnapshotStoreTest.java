package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotStoreContract;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The snapshot store contract on a fresh schema per test, plus what a database must keep. */
class PostgresSnapshotStoreTest extends SnapshotStoreContract {
    private String schema;
    private PostgresEventStore events;

    @Override
    protected SnapshotStore createStore() {
        schema = PostgresTestDatabase.newSchema("facta_snap");
        events = PostgresTestDatabase.storeBuilder(schema).build();
        return PostgresSnapshotStore.of(events);
    }

    @Override
    protected void destroyStore(SnapshotStore store) {
        events.close();
        PostgresTestDatabase.dropSchema(schema);
    }

    private static Snapshot snapshot(String stream, long version, String state) {
        return new Snapshot(StreamId.of(stream), version, 1, state.getBytes(StandardCharsets.UTF_8),
                Instant.parse("2025-03-01T10:15:30.123456Z"));
    }

    @Test
    void snapshots_survive_reopening_the_store_and_keep_microsecond_times() {
        snapshots.save(snapshot("order-1", 3, "three"));
        events.close();

        events = PostgresTestDatabase.storeBuilder(schema).build();
        Snapshot s = PostgresSnapshotStore.of(events).latest(StreamId.of("order-1")).orElseThrow();
        assertThat(s.version()).isEqualTo(3);
        assertThat(new String(s.state(), StandardCharsets.UTF_8)).isEqualTo("three");
        assertThat(s.takenAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123456Z"));
    }

    @Test
    void a_schema_from_before_snapshots_gains_the_table_when_a_store_opens_it() {
        events.close();
        PostgresTestDatabase.execute("DROP TABLE " + schema + ".facta_snapshots");
        PostgresTestDatabase.execute("DROP TABLE " + schema + ".facta_idempotency_keys"); // migration 3 came later still
        PostgresTestDatabase.execute("DELETE FROM " + schema + ".facta_schema_version WHERE version >= 2");
        try (PostgresEventStore old = PostgresTestDatabase.storeBuilder(schema).migrate(false).build()) {
            SnapshotStore unmigrated = PostgresSnapshotStore.of(old.dataSource(), schema);
            assertThatThrownBy(() -> unmigrated.latest(StreamId.of("order-1")))
                    .isInstanceOf(FactaException.class)
                    .hasMessageContaining("run the migrations");
        }

        events = PostgresTestDatabase.storeBuilder(schema).build();
        PostgresSnapshotStore migrated = PostgresSnapshotStore.of(events);
        migrated.save(snapshot("order-1", 0, "first"));
        assertThat(migrated.latest(StreamId.of("order-1"))).get().extracting(Snapshot::version).isEqualTo(0L);
    }

    @Test
    void a_store_on_an_application_data_source_addresses_the_schema_by_name() {
        // the data source's connections have another search_path; the table is found regardless
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setUrl(server.jdbcUrl());
        if (server.user() != null) ds.setUser(server.user());
        if (server.password() != null) ds.setPassword(server.password());
        PostgresSnapshotStore onAppSource = PostgresSnapshotStore.of(ds, schema);
        onAppSource.save(snapshot("cart-7", 5, "five"));
        assertThat(snapshots.latest(StreamId.of("cart-7"))).get().extracting(Snapshot::version).isEqualTo(5L);
    }
}

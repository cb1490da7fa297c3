package dev.facta.bench;

import dev.facta.FactaException;
import dev.facta.aggregate.Decider;
import dev.facta.aggregate.DeciderRepository;
import dev.facta.aggregate.Loaded;
import dev.facta.aggregate.snapshot.InMemorySnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresSnapshotStore;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteSnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotPolicy;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.jackson.JacksonStateCodec;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * The load-aggregate scenario: one aggregate with {@code events} events (~200-byte JSON each),
 * rebuilt {@value #LOADS} times through a {@link DeciderRepository}, with Jackson deserializing
 * every event, either by replaying the whole stream or from a snapshot taken 50 events before
 * the end, kept in the store's own snapshot store. Both ways must produce the same state, or nothing is reported.
 */
final class AggregateLoad {
    static final int LOADS = 20;
    private static final int TAIL = 50;

    record Reading(long value, String unit, String meter, String note) {
    }

    record Meter(long readings, long total) {
    }

    record Timing(long events, long nanos) {
    }

    private static final Decider<Object, Reading, Meter> METER = Decider.of(() -> new Meter(0, 0),
            (command, state) -> List.of(), (m, r) -> new Meter(m.readings() + 1, m.total() + r.value()));

    private AggregateLoad() {
    }

    /** Each store's own snapshot store: the SQLite file, the PostgreSQL table, or memory. */
    private static SnapshotStore snapshotStoreFor(EventStore store) {
        return switch (store) {
            case SqliteEventStore sqlite -> SqliteSnapshotStore.of(sqlite);
            case PostgresEventStore pg -> PostgresSnapshotStore.of(pg);
            default -> new InMemorySnapshotStore();
        };
    }

    static Timing run(String storeUrl, int events, boolean snapshots) throws Exception {
        int n = Math.max(events, TAIL * 2);
        var serializer = new JacksonEventSerializer(EventTypeRegistry.builder().register("Reading", Reading.class).build());
        try (EventStore store = EventStores.open(storeUrl)) {
            var plain = DeciderRepository.builder(store, METER, serializer, Reading.class, "meter").build();
            SnapshotStore snapshotStore = snapshotStoreFor(store);
            var withSnapshots = DeciderRepository.builder(store, METER, serializer, Reading.class, "meter")
                    .snapshots(snapshotStore, JacksonStateCodec.of(Meter.class), SnapshotPolicy.never(), 1).build();
            long written = 0;
            while (written < n) {
                int batch = (int) Math.min(500, n - written);
                if (snapshots && written < n - TAIL && written + batch > n - TAIL) batch = (int) (n - TAIL - written);
                List<EventData> data = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    long k = written + i;
                    data.add(serializer.toEventData(new Reading(k % 1000, "kWh", "meter-1",
                            "reading taken by the field unit on its regular schedule, batch " + (k / 500)), Metadata.empty()));
                }
                store.append(plain.streamOf("1"), written == 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(written - 1), data);
                written += batch;
                if (snapshots && written == n - TAIL) withSnapshots.snapshot("1");
            }
            var repo = snapshots ? withSnapshots : plain;
            Loaded<Meter> expected = plain.loadWithoutSnapshots("1");
            repo.load("1"); // warm the path once
            long t0 = System.nanoTime();
            Loaded<Meter> last = null;
            for (int i = 0; i < LOADS; i++) last = repo.load("1");
            long nanos = System.nanoTime() - t0;
            if (!last.state().equals(expected.state()) || last.version() != n - 1) {
                throw new FactaException("load-aggregate: loaded " + last + " but a full replay gives " + expected);
            }
            return new Timing((long) n * LOADS, nanos);
        }
    }
}

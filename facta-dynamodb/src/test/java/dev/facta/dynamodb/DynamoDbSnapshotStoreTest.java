package dev.facta.dynamodb;

import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotStoreContract;
import dev.facta.store.EventData;
import dev.facta.store.EventTooLargeException;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The snapshot store contract on a fresh table per test, plus what sharing the events' table must keep. */
class DynamoDbSnapshotStoreTest extends SnapshotStoreContract {
    private final DynamoDbLocal dynamo = DynamoDbLocal.shared();
    private DynamoDbEventStore events;

    @Override
    protected SnapshotStore createStore() {
        events = dynamo.freshStore("snapshots");
        return DynamoDbSnapshotStore.of(events);
    }

    @Override
    protected void destroyStore(SnapshotStore store) {
        dynamo.dropStore(events);
    }

    private static Snapshot snapshot(String stream, long version, byte[] state) {
        return new Snapshot(StreamId.of(stream), version, 1, state, Instant.parse("2025-03-01T10:15:30.123456Z"));
    }

    @Test
    void snapshots_share_the_table_with_the_events_without_showing_up_in_them() {
        events.append(StreamId.of("order-1"), ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{}"));
        snapshots.save(snapshot("order-1", 0, "placed".getBytes(StandardCharsets.UTF_8)));

        Snapshot s = snapshots.latest(StreamId.of("order-1")).orElseThrow();
        assertThat(s.takenAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123456Z")); // kept to the microsecond
        assertThat(events.readStream(StreamId.of("order-1"))).hasSize(1);
        assertThat(events.readAll(0, 100).events()).hasSize(1);
        assertThat(events.listStreams(null, 100)).extracting(i -> i.stream().value()).containsExactly("order-1");
        assertThat(events.headPosition()).isEqualTo(1);
    }

    @Test
    void a_state_larger_than_one_item_is_refused_and_the_previous_snapshot_stays() {
        snapshots.save(snapshot("big-1", 1, new byte[10]));
        assertThatThrownBy(() -> snapshots.save(snapshot("big-1", 2, new byte[DynamoDbSnapshotStore.MAX_STATE_BYTES + 1])))
                .isInstanceOf(EventTooLargeException.class).hasMessageContaining("state");
        assertThat(snapshots.latest(StreamId.of("big-1"))).get().extracting(Snapshot::version).isEqualTo(1L);
    }
}

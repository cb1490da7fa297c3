package dev.facta.aggregate;

import dev.facta.aggregate.snapshot.InMemorySnapshotStore;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotPolicy;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.facta.aggregate.Account.*;
import static org.assertj.core.api.Assertions.assertThat;

/** For random event sequences: a snapshot at k plus the events after k equals a full replay, for every k. */
class SnapshotReplayProperties {

    @Provide
    Arbitrary<List<Event>> histories() {
        Arbitrary<Event> deposit = Arbitraries.longs().between(1, 1_000).map(Deposited::new);
        Arbitrary<Event> withdraw = Arbitraries.longs().between(1, 1_000).map(Withdrawn::new);
        return Arbitraries.oneOf(deposit, withdraw).list().ofMinSize(0).ofMaxSize(60)
                .map(rest -> {
                    List<Event> all = new ArrayList<>();
                    all.add(new Opened("owner"));
                    all.addAll(rest);
                    return all;
                });
    }

    @Property(tries = 60)
    void a_snapshot_at_any_version_plus_the_rest_equals_a_full_replay(@ForAll("histories") List<Event> history) {
        InMemoryEventStore store = new InMemoryEventStore();
        StreamId stream = StreamId.of("account-p");
        List<EventData> data = new ArrayList<>();
        for (Event e : history) data.add(SERIALIZER.toEventData(e, null));
        store.append(stream, ExpectedVersion.noStream(), data);
        State full = DECIDER.replay(history);

        for (int k = 0; k < history.size(); k++) {
            InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
            State atK = DECIDER.replay(history.subList(0, k + 1));
            snapshots.save(new Snapshot(stream, k, 1, CODEC.encode(atK), Instant.now()));
            var repo = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account")
                    .snapshots(snapshots, CODEC, SnapshotPolicy.never(), 1).build();
            Loaded<State> loaded = repo.load("p");
            assertThat(loaded.state()).as("snapshot at %d", k).isEqualTo(full);
            assertThat(loaded.version()).isEqualTo(history.size() - 1);
            assertThat(repo.loadAtVersion("p", k).state()).isEqualTo(atK);
        }
    }
}

package dev.facta.aggregate.snapshot;

import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** What every snapshot store keeps; each store module extends this with a fresh store per test. */
public abstract class SnapshotStoreContract {

    protected SnapshotStore snapshots;

    protected abstract SnapshotStore createStore() throws Exception;

    protected void destroyStore(SnapshotStore store) throws Exception {
        if (store instanceof AutoCloseable c) c.close();
    }

    @BeforeEach
    void open() throws Exception {
        snapshots = createStore();
    }

    @AfterEach
    void close() throws Exception {
        destroyStore(snapshots);
    }

    private static Snapshot snap(String stream, long version, int schema, String state) {
        return new Snapshot(StreamId.of(stream), version, schema, state.getBytes(StandardCharsets.UTF_8),
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void the_latest_snapshot_at_or_below_a_version_comes_back_as_saved() {
        Snapshot s10 = snap("order-1", 10, 1, "{\"total\":10}");
        snapshots.save(snap("order-1", 5, 1, "five"));
        snapshots.save(s10);
        snapshots.save(snap("order-2", 50, 1, "other"));

        Snapshot latest = snapshots.latest(StreamId.of("order-1")).orElseThrow();
        assertThat(latest.version()).isEqualTo(10);
        assertThat(latest.schemaVersion()).isEqualTo(1);
        assertThat(new String(latest.state(), StandardCharsets.UTF_8)).isEqualTo("{\"total\":10}");
        assertThat(latest.takenAt()).isEqualTo(s10.takenAt());
        assertThat(snapshots.latest(StreamId.of("order-1"), 9)).get().extracting(Snapshot::version).isEqualTo(5L);
        assertThat(snapshots.latest(StreamId.of("order-1"), 4)).isEmpty();
        assertThat(snapshots.latest(StreamId.of("order-3"))).isEmpty();
    }

    @Test
    void saving_the_same_version_again_replaces_it() {
        snapshots.save(snap("cart-1", 3, 1, "old"));
        snapshots.save(snap("cart-1", 3, 2, "new"));
        Snapshot s = snapshots.latest(StreamId.of("cart-1")).orElseThrow();
        assertThat(s.schemaVersion()).isEqualTo(2);
        assertThat(new String(s.state(), StandardCharsets.UTF_8)).isEqualTo("new");
    }

    @Test
    void pruning_keeps_only_the_newest_snapshots_of_that_stream() {
        for (int v = 0; v < 10; v++) snapshots.save(snap("acct-1", v * 10, 1, "s" + v));
        snapshots.save(snap("acct-2", 1, 1, "keep me"));
        snapshots.prune(StreamId.of("acct-1"), 3);
        assertThat(snapshots.latest(StreamId.of("acct-1"))).get().extracting(Snapshot::version).isEqualTo(90L);
        assertThat(snapshots.latest(StreamId.of("acct-1"), 69)).isEmpty();
        assertThat(snapshots.latest(StreamId.of("acct-1"), 70)).get().extracting(Snapshot::version).isEqualTo(70L);
        assertThat(snapshots.latest(StreamId.of("acct-2"))).isPresent();
    }

    @Test
    void large_binary_states_round_trip() {
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        snapshots.save(new Snapshot(StreamId.of("big-1"), 7, 3, big, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        assertThat(snapshots.latest(StreamId.of("big-1")).orElseThrow().state()).isEqualTo(big);
    }

    @Test
    void concurrent_saves_and_prunes_leave_a_readable_latest_snapshot() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        snapshots.save(snap("busy-1", thread * 100L + i, 1, "t" + thread));
                        snapshots.prune(StreamId.of("busy-1"), 2);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        assertThat(snapshots.latest(StreamId.of("busy-1"))).get().extracting(Snapshot::version).isEqualTo(324L);
    }
}

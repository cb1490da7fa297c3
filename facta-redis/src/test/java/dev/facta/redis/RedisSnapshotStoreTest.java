package dev.facta.redis;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotStoreContract;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The snapshot contract on Redis, each test under its own key prefix, plus expiry. */
class RedisSnapshotStoreTest extends SnapshotStoreContract {
    private String prefix;

    @Override
    protected SnapshotStore createStore() {
        RedisTestServer.require();
        prefix = RedisTestServer.freshPrefix("snapshots");
        return RedisSnapshotStore.builder().connection(RedisTestServer.binary()).prefix(prefix).build();
    }

    @Override
    protected void destroyStore(SnapshotStore store) throws Exception {
        super.destroyStore(store);
        if (prefix != null) RedisTestServer.deleteKeys(prefix);
    }

    @Test
    void snapshots_with_a_ttl_expire_after_the_last_save() throws Exception {
        try (RedisSnapshotStore expiring = RedisSnapshotStore.builder().connection(RedisTestServer.binary()).prefix(prefix)
                .ttl(Duration.ofMillis(1500)).build()) {
            expiring.save(new Snapshot(StreamId.of("cart-9"), 4, 1, new byte[]{1, 2}, Instant.now()));
            assertThat(expiring.latest(StreamId.of("cart-9"))).isPresent();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (expiring.latest(StreamId.of("cart-9")).isPresent() && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(expiring.latest(StreamId.of("cart-9"))).isEmpty();
            assertThat(RedisTestServer.countKeys(prefix)).isZero();
        }
    }

    @Test
    void bad_input_is_refused_and_nothing_is_stored() {
        assertThatThrownBy(() -> snapshots.save(new Snapshot(StreamId.of("x-1"), -1, 1, new byte[0], Instant.now())))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> snapshots.prune(StreamId.of("x-1"), -1)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RedisSnapshotStore.builder().ttl(Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RedisSnapshotStore.builder().prefix("has space")).isInstanceOf(InvalidInputException.class);
        assertThat(RedisTestServer.countKeys(prefix)).isZero();
    }
}

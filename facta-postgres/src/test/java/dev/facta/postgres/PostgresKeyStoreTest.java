package dev.facta.postgres;

import dev.facta.crypto.DataKeys;
import dev.facta.crypto.LocalMasterKey;
import dev.facta.crypto.WrappedKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresKeyStoreTest {
    private final String schema = PostgresTestDatabase.newSchema("keys");

    @AfterEach
    void drop() {
        PostgresTestDatabase.dropSchema(schema);
    }

    @Test
    void keys_are_created_once_listed_read_by_another_instance_and_destroyed() throws Exception {
        try (PostgresEventStore one = PostgresTestDatabase.storeBuilder(schema).poolSize(4).build();
             PostgresEventStore two = PostgresTestDatabase.storeBuilder(schema).poolSize(4).build();
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            PostgresKeyStore store = PostgresKeyStore.of(one);
            Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
            WrappedKey a = new WrappedKey("s-1", "id-a", "m", new byte[]{1, 2}, at);
            assertThat(store.createOrGet(a)).isEqualTo(a);
            assertThat(store.createOrGet(new WrappedKey("s-1", "id-b", "m", new byte[]{3}, at))).isEqualTo(a);
            assertThat(PostgresKeyStore.of(two.dataSource(), schema).get("s-1")).contains(a);
            store.createOrGet(new WrappedKey("s-0", "id-c", "m", new byte[]{4}, at));
            assertThat(store.subjects(null, 10)).containsExactly("s-0", "s-1");
            assertThat(store.subjects("s-0", 10)).containsExactly("s-1");
            assertThat(store.destroy("s-1")).isTrue();
            assertThat(store.destroy("s-1")).isFalse();
            assertThat(store.get("s-1")).isEmpty();

            LocalMasterKey master = LocalMasterKey.generate();
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                PostgresEventStore events = i % 2 == 0 ? one : two;
                ids.add(pool.submit(() -> DataKeys.builder(PostgresKeyStore.of(events), master).build().forEncryption("racy").keyId()));
            }
            String first = ids.getFirst().get();
            for (Future<String> f : ids) assertThat(f.get()).isEqualTo(first);
        }
    }
}

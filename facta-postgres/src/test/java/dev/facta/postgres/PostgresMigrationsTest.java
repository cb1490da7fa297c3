package dev.facta.postgres;

import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.EventData;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresMigrationsTest {
    private String schema;

    @BeforeEach
    void schema() {
        schema = "facta_mig_" + Long.toHexString(System.nanoTime());
    }

    @AfterEach
    void drop() {
        PostgresTestDatabase.dropSchema(schema);
    }

    @Test
    void status_lists_pending_migrations_until_up_applies_them_once() {
        try (PostgresEventStore store = PostgresTestDatabase.storeBuilder(schema).migrate(false).build()) {
            PostgresMigrations migrations = new PostgresMigrations(store.dataSource(), schema);
            assertThat(migrations.status()).allSatisfy(m -> assertThat(m.applied()).isFalse());
            assertThat(migrations.up()).extracting(PostgresMigrations.Migration::version).containsExactly(1, 2, 3, 4, 5);
            assertThat(migrations.up()).isEmpty();
            assertThat(migrations.status()).hasSize(PostgresMigrations.latestVersion())
                    .allSatisfy(m -> assertThat(m.applied()).isTrue());
            store.append(StreamId.of("a-1"), ExpectedVersion.noStream(), EventData.of("E", "{}"));
        }
    }

    @Test
    void instances_starting_at_once_migrate_the_schema_exactly_once() throws Exception {
        List<PostgresEventStore> opened = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<PostgresEventStore>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) futures.add(pool.submit(() -> PostgresTestDatabase.storeBuilder(schema).build()));
            for (Future<PostgresEventStore> f : futures) opened.add(f.get());
        }
        try {
            PostgresMigrations m = new PostgresMigrations(opened.getFirst().dataSource(), schema);
            assertThat(m.status()).hasSize(PostgresMigrations.latestVersion()).allSatisfy(x -> assertThat(x.applied()).isTrue());
        } finally {
            opened.forEach(PostgresEventStore::close);
        }
    }

    @Test
    void store_urls_open_through_the_provider_with_schema_and_credentials() {
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        try (EventStore store = EventStores.open(server.storeUrl(schema))) {
            assertThat(store).isInstanceOf(PostgresEventStore.class);
            assertThat(((PostgresEventStore) store).schema()).isEqualTo(schema);
            store.append(StreamId.of("x-1"), ExpectedVersion.any(), EventData.of("E", "{}"));
            assertThat(store.describe()).contains(schema).doesNotContain("password=");
        }
        PostgresProvider.Parsed p = PostgresProvider.parse("postgresql://ann:s%40cret@db.example:6543/shop?schema=orders&sslmode=require");
        assertThat(p.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/shop?sslmode=require");
        assertThat(p.user()).isEqualTo("ann");
        assertThat(p.password()).isEqualTo("s@cret");
        assertThat(p.schema()).isEqualTo("orders");
        assertThat(EventStores.redact("postgresql://ann:secret@h/db")).isEqualTo("postgresql://ann:***@h/db");
        assertThatThrownBy(() -> PostgresProvider.parse("postgresql:///nohost"))
                .hasMessageContaining("host");
    }

    @Test
    void an_unreachable_server_fails_at_once_with_a_clear_message() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> EventStores.open("postgresql://postgres@127.0.0.1:1/postgres"))
                .isInstanceOf(dev.facta.FactaException.class)
                .hasMessageStartingWith("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/postgres");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(8));
    }
}

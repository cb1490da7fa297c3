package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.IdempotencyStoreContract;
import dev.facta.command.ResultCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The idempotency store contract on a fresh schema per test, plus sharing keys between instances. */
class PostgresIdempotencyStoreTest extends IdempotencyStoreContract {

    private String schema;
    private final List<PostgresEventStore> opened = new ArrayList<>();

    private PostgresEventStore open() {
        if (schema == null) schema = PostgresTestDatabase.newSchema("facta_idem");
        PostgresEventStore events = PostgresTestDatabase.storeBuilder(schema).build();
        opened.add(events);
        return events;
    }

    @Override
    protected IdempotencyStore createStoreWithLease(java.time.Duration lease) {
        return new PostgresIdempotencyStore(open(), ResultCodec.scalars(), lease, java.time.Clock.systemUTC());
    }

    @Override
    protected IdempotencyStore createStore() {
        return new PostgresIdempotencyStore(open(), ResultCodec.scalars());
    }

    @AfterEach
    void dropSchema() {
        opened.forEach(PostgresEventStore::close);
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }

    private static Instant inTenMinutes() {
        return Instant.now().plus(Duration.ofMinutes(10));
    }

    @Test
    void a_key_running_in_one_instance_makes_the_other_wait_until_it_completes() throws Exception {
        // each event store has its own connection pool, as another instance would
        IdempotencyStore first = createStore();
        IdempotencyStore second = createStore();
        assertThat(first.begin("pay-1", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<IdempotencyStore.Begin> waiting = beginInBackground(second, "pay-1");
        Thread.sleep(200);
        assertThat(waiting).isNotDone();
        first.complete("pay-1", "receipt-7");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyStore.Completed("receipt-7"));
        assertThat(first.begin("pay-1", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("receipt-7"));
    }

    @Test
    void a_key_abandoned_in_one_instance_is_reserved_by_the_one_waiting_in_another() throws Exception {
        IdempotencyStore first = createStore();
        IdempotencyStore second = createStore();
        assertThat(first.begin("pay-2", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<IdempotencyStore.Begin> waiting = beginInBackground(second, "pay-2");
        Thread.sleep(100);
        first.abandon("pay-2");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void a_reservation_whose_owner_died_is_taken_over_once_its_lease_has_passed() throws Exception {
        IdempotencyStore dying = new PostgresIdempotencyStore(open(), ResultCodec.scalars(),
                Duration.ofMillis(300), Clock.systemUTC());
        IdempotencyStore survivor = createStore();
        assertThat(dying.begin("job-9", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        // the owner never completes nor abandons, as when its instance is killed
        long started = System.nanoTime();
        assertThat(survivor.begin("job-9", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        survivor.complete("job-9", 42L);
        assertThat(dying.begin("job-9", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed(42L));
    }

    @Test
    void expired_keys_can_be_deleted() throws Exception {
        PostgresIdempotencyStore keys = new PostgresIdempotencyStore(open(), ResultCodec.scalars());
        keys.begin("kept", inTenMinutes());
        keys.complete("kept", "yes");
        keys.begin("gone", Instant.now().minusSeconds(1));
        keys.complete("gone", "no");
        assertThat(keys.deleteExpired()).isEqualTo(1);
        assertThat(keys.begin("kept", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("yes"));
        assertThat(keys.begin("gone", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void a_schema_from_before_idempotency_keys_names_the_missing_migration() {
        PostgresEventStore events = open();
        PostgresTestDatabase.execute("DROP TABLE " + schema + ".facta_idempotency_keys");
        IdempotencyStore keys = new PostgresIdempotencyStore(events, ResultCodec.scalars());
        assertThatThrownBy(() -> keys.begin("k", inTenMinutes()))
                .isInstanceOf(FactaException.class)
                .hasMessageContaining("run the migrations");
    }
}

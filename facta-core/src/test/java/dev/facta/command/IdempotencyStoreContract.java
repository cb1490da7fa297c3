package dev.facta.command;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link IdempotencyStore} must do, whatever keeps its keys. A store module extends
 * this class and says how to make a fresh, empty store; results in these tests are strings,
 * numbers and null, which {@link ResultCodec#scalars()} can keep.
 */
public abstract class IdempotencyStoreContract {

    /** A store with no keys yet; called once before each test. */
    protected abstract IdempotencyStore createStore();

    protected IdempotencyStore store;

    /**
     * A fresh store whose reservations hold a lease of the given length, on the same keys as
     * {@link #createStore()}'s; null for stores without leases (one process), which skips the
     * lease tests.
     */
    protected IdempotencyStore createStoreWithLease(Duration lease) {
        return null;
    }

    /**
     * Whether two stores from {@link #createStore()} in one test keep the same keys, as instances
     * of a service on one database do; false skips the tests of two instances.
     */
    protected boolean storesShareKeys() {
        return false;
    }

    @Test
    void a_key_running_in_one_instance_makes_the_other_wait_until_it_completes() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(storesShareKeys(), "instances of this store share no keys");
        IdempotencyStore second = createStore();
        assertThat(store.begin("pay-1", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<IdempotencyStore.Begin> waiting = beginInBackground(second, "pay-1");
        Thread.sleep(200);
        assertThat(waiting).isNotDone();
        store.complete("pay-1", "receipt-7");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyStore.Completed("receipt-7"));
        assertThat(store.begin("pay-1", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("receipt-7"));
    }

    @Test
    void a_key_abandoned_in_one_instance_is_reserved_by_the_one_waiting_in_another() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(storesShareKeys(), "instances of this store share no keys");
        IdempotencyStore second = createStore();
        assertThat(store.begin("pay-2", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<IdempotencyStore.Begin> waiting = beginInBackground(second, "pay-2");
        Thread.sleep(100);
        store.abandon("pay-2");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void a_reservation_whose_owner_died_is_taken_over_once_its_lease_has_passed() throws Exception {
        IdempotencyStore dying = createStoreWithLease(Duration.ofMillis(300));
        org.junit.jupiter.api.Assumptions.assumeTrue(dying != null && storesShareKeys(), "this store has no leases");
        assertThat(dying.begin("job-9", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        // the owner never completes nor abandons, as when its instance is killed
        long started = System.nanoTime();
        assertThat(store.begin("job-9", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        store.complete("job-9", 42L);
        assertThat(dying.begin("job-9", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed(42L));
    }

    record PlaceOrder(String customer) {
    }

    @BeforeEach
    void freshStore() {
        store = createStore();
    }

    private static Instant inTenMinutes() {
        return Instant.now().plus(Duration.ofMinutes(10));
    }

    @Test
    void a_repeated_key_gets_the_first_result_without_running_again() throws Exception {
        assertThat(store.begin("k-1", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("k-1", "first");
        assertThat(store.begin("k-1", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("first"));
        assertThat(store.begin("k-1", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("first"));

        AtomicInteger runs = new AtomicInteger();
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(store, Duration.ofMinutes(10)))
                .register(PlaceOrder.class, c -> (long) runs.incrementAndGet())
                .build();
        var msg = CommandMessage.of(new PlaceOrder("ana")).withIdempotencyKey("req-1");
        assertThat((Long) bus.dispatch(msg)).isEqualTo(1L);
        assertThat((Long) bus.dispatch(CommandMessage.of(new PlaceOrder("ana")).withIdempotencyKey("req-1"))).isEqualTo(1L);
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void a_null_result_is_remembered_like_any_other() throws Exception {
        assertThat(store.begin("k-null", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("k-null", null);
        assertThat(store.begin("k-null", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed(null));
    }

    @Test
    void the_same_key_from_eight_threads_at_once_runs_the_handler_exactly_once_and_all_get_its_result()
            throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(store, Duration.ofMinutes(10)))
                .register(PlaceOrder.class, c -> {
                    runs.incrementAndGet();
                    Thread.sleep(100); // the others arrive while the first is still running
                    return "order-" + c.id();
                }).build();
        Set<Object> results = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // each caller sends its own message (own id) with the same key, as retrying clients do
                var mine = CommandMessage.of(new PlaceOrder("bo")).withIdempotencyKey("req-42");
                futures.add(pool.submit(() -> {
                    start.await();
                    results.add(bus.dispatch(mine));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);
        }
        assertThat(runs.get()).isEqualTo(1);
        assertThat(results).hasSize(1);
        Object again = bus.dispatch(CommandMessage.of(new PlaceOrder("bo")).withIdempotencyKey("req-42"));
        assertThat(results).containsExactly(again);
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void a_failed_run_is_forgotten_so_a_retry_runs_it() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(store, Duration.ofMinutes(10)))
                .register(PlaceOrder.class, c -> {
                    if (runs.incrementAndGet() == 1) throw new IllegalStateException("payment service down");
                    return runs.get();
                }).build();
        var msg = CommandMessage.of(new PlaceOrder("cy")).withIdempotencyKey("k");
        assertThatThrownBy(() -> bus.dispatch(msg)).hasMessage("payment service down");
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(2);
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(2);

        assertThat(store.begin("direct", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.abandon("direct");
        assertThat(store.begin("direct", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void an_expired_key_counts_as_absent_and_runs_again() throws Exception {
        assertThat(store.begin("old", Instant.now().minusSeconds(1))).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("old", "stale");
        assertThat(store.begin("old", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("old", "fresh");
        assertThat(store.begin("old", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("fresh"));

        AtomicInteger runs = new AtomicInteger();
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(store, Duration.ofMillis(200)))
                .register(PlaceOrder.class, c -> runs.incrementAndGet())
                .build();
        var msg = CommandMessage.of(new PlaceOrder("di")).withIdempotencyKey("short");
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(1);
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(1);
        Thread.sleep(400);
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(2);
    }

    @Test
    void extend_renews_a_running_key_and_says_when_it_no_longer_runs() throws Exception {
        assertThat(store.begin("long", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        assertThat(store.extend("long")).isTrue();
        store.complete("long", "done");
        assertThat(store.extend("long")).isFalse();
        assertThat(store.extend("never-seen")).isFalse();
        assertThat(store.begin("gone", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.abandon("gone");
        assertThat(store.extend("gone")).isFalse();
    }

    @Test
    void delete_expired_removes_only_completed_keys_whose_time_passed() throws Exception {
        assertThat(store.begin("old", Instant.now().minusSeconds(1))).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("old", "stale");
        assertThat(store.begin("live", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("live", "kept");
        assertThat(store.begin("running", Instant.now().minusSeconds(1))).isInstanceOf(IdempotencyStore.Reserved.class);

        assertThat(store.deleteExpired()).isEqualTo(1);
        assertThat(store.deleteExpired()).isZero();
        assertThat(store.begin("live", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("kept"));
        assertThat(store.extend("running")).isTrue();
        assertThat(store.begin("old", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void a_scheduled_cleanup_deletes_expired_keys_until_closed() throws Exception {
        assertThat(store.begin("soon", Instant.now().minusSeconds(1))).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("soon", "x");
        try (AutoCloseable cleanup = IdempotencyStore.cleanEvery(store, Duration.ofMillis(50))) {
            Thread.sleep(1_000); // twenty rounds
        }
        assertThat(store.deleteExpired()).as("the scheduled cleanup already deleted it").isZero();
        assertThatThrownBy(() -> IdempotencyStore.cleanEvery(store, Duration.ZERO)).isInstanceOf(dev.facta.InvalidInputException.class);
    }

    @Test
    void the_middleware_renews_the_lease_of_a_slow_command_so_it_runs_once() throws Exception {
        IdempotencyStore leased = createStoreWithLease(Duration.ofMillis(300));
        org.junit.jupiter.api.Assumptions.assumeTrue(leased != null, "this store has no leases");
        AtomicInteger runs = new AtomicInteger();
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(leased, Duration.ofMinutes(10), java.time.Clock.systemUTC(), Duration.ofMillis(80)))
                .register(PlaceOrder.class, c -> {
                    int run = runs.incrementAndGet();
                    Thread.sleep(1_200); // four leases long
                    return run;
                })
                .build();
        var msg = CommandMessage.of(new PlaceOrder("slow")).withIdempotencyKey("renewed");
        CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> dispatch(bus, msg));
        Thread.sleep(500); // past the first lease: without renewal this caller would take the key over
        Object second = dispatch(bus, msg);
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(second).isEqualTo(1);
        assertThat(runs).hasValue(1);
    }

    private static Object dispatch(CommandBus bus, CommandMessage<?> msg) {
        try {
            return bus.dispatch(msg);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void different_keys_are_independent_even_while_one_is_running() throws Exception {
        assertThat(store.begin("a", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        // "a" is still running: "b" must not wait for it
        assertThat(store.begin("b", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        store.complete("b", "result-b");
        store.complete("a", "result-a");
        assertThat(store.begin("a", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("result-a"));
        assertThat(store.begin("b", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("result-b"));
    }

    @Test
    void a_caller_waiting_on_a_running_key_gets_its_result_when_it_completes() throws Exception {
        assertThat(store.begin("w", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<IdempotencyStore.Begin> waiter = beginInBackground("w");
        Thread.sleep(100);
        assertThat(waiter).isNotDone();
        store.complete("w", 7L);
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(new IdempotencyStore.Completed(7L));
    }

    @Test
    void a_caller_waiting_on_a_running_key_reserves_it_when_that_run_is_abandoned() throws Exception {
        assertThat(store.begin("w2", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<IdempotencyStore.Begin> waiter = beginInBackground("w2");
        Thread.sleep(100);
        assertThat(waiter).isNotDone();
        store.abandon("w2");
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void a_waiting_caller_can_be_interrupted() throws Exception {
        assertThat(store.begin("stuck", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                store.begin("stuck", inTenMinutes());
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Thread.sleep(100);
        waiter.interrupt();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        store.abandon("stuck");
    }

    protected CompletableFuture<IdempotencyStore.Begin> beginInBackground(String key) {
        return beginInBackground(store, key);
    }

    protected static CompletableFuture<IdempotencyStore.Begin> beginInBackground(IdempotencyStore on, String key) {
        CompletableFuture<IdempotencyStore.Begin> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                f.complete(on.begin(key, Instant.now().plus(Duration.ofMinutes(10))));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }
}

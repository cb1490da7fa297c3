package dev.facta.projection;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link ProjectionStore} keeps: the registry and operator flags, checkpoints that commit
 * and roll back with the read model, leases with fencing across processes, group membership and dead
 * letters. Each store module extends it; tests may sleep past short lease lifetimes but never assert
 * how long anything took.
 */
public abstract class ProjectionStoreContract {

    /** A lease lifetime short enough to wait out in a test. */
    protected static final Duration SHORT = Duration.ofMillis(300);
    protected static final Duration LONG = Duration.ofSeconds(30);

    private final List<ProjectionStore> opened = new ArrayList<>();
    protected ProjectionStore store;

    /** A store on a fresh, empty database. */
    protected abstract ProjectionStore newStore() throws Exception;

    /**
     * A second store on the database of {@code store}, as another process would open it (the
     * in-memory store returns the same instance). Both must see the same registry, checkpoints,
     * leases and read models.
     */
    protected abstract ProjectionStore sameDatabase(ProjectionStore store) throws Exception;

    /** Releases a store made by {@link #newStore} or {@link #sameDatabase}; called for each, newest first. */
    protected void closeStore(ProjectionStore store) throws Exception {
        if (store instanceof AutoCloseable c) c.close();
    }

    @BeforeEach
    void openStore() throws Exception {
        store = track(newStore());
    }

    @AfterEach
    void closeStores() throws Exception {
        for (ProjectionStore s : opened.reversed()) closeStore(s);
        opened.clear();
    }

    /** {@link #sameDatabase} of the store under test, closed after the test. */
    protected ProjectionStore other() throws Exception {
        return track(sameDatabase(store));
    }

    private ProjectionStore track(ProjectionStore s) {
        if (!opened.contains(s)) opened.add(s);
        return s;
    }

    protected static final ProjectionKey ORDERS = new ProjectionKey("orders", 1);
    protected static final ProjectionKey ORDERS_V2 = new ProjectionKey("orders", 2);
    protected static final ProjectionKey STOCK = new ProjectionKey("stock", 1);

    private static Object json(String text) {
        return Json.parse(text, 64, "document");
    }

    private Optional<Object> document(ProjectionStore s, ProjectionKey key, String collection, String id) {
        return s.readModels().collection(key.collection(collection), DocumentCodec.json()).get(id).map(ProjectionStoreContract::json);
    }

    private static DeadLetter letter(ProjectionKey key, int segment, long position, String error) {
        return new DeadLetter(0, key, segment, position, UUID.randomUUID(), "order-" + position, "Placed", 3, error,
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    // ------------------------------------------------------------------ registry and flags

    @Test
    void the_first_version_of_a_name_becomes_active_and_later_ones_build_beside_it() {
        ProjectionRecord r = store.register(ORDERS, 3);
        assertThat(r.key()).isEqualTo(ORDERS);
        assertThat(r.segments()).isEqualTo(3);
        assertThat(r.state()).isEqualTo(ProjectionState.ACTIVE);
        assertThat(r.checkpoints()).containsExactly(0L, 0L, 0L);
        assertThat(r.position()).isZero();
        assertThat(r.paused()).isFalse();
        assertThat(r.stopped()).isFalse();
        assertThat(r.rebuildRequested()).isFalse();
        assertThat(r.lastError()).isNull();
        assertThat(r.parked()).isZero();

        assertThat(store.register(ORDERS, 3)).as("idempotent").isEqualTo(store.find(ORDERS).orElseThrow());
        assertThat(store.register(ORDERS_V2, 2).state()).isEqualTo(ProjectionState.BUILDING);
        store.register(STOCK, 1);

        assertThat(store.list()).extracting(ProjectionRecord::key).containsExactly(ORDERS, ORDERS_V2, STOCK);
        assertThat(store.active("orders")).get().extracting(ProjectionRecord::key).isEqualTo(ORDERS);
        assertThat(store.active("nothing")).isEmpty();
        assertThat(store.find(new ProjectionKey("orders", 3))).isEmpty();
    }

    @Test
    void registering_a_known_version_with_other_segments_is_refused_and_changes_nothing() {
        store.register(ORDERS, 2);
        assertThatThrownBy(() -> store.register(ORDERS, 4)).isInstanceOf(InvalidInputException.class);
        assertThat(store.find(ORDERS).orElseThrow().segments()).isEqualTo(2);
        assertThat(store.find(ORDERS).orElseThrow().checkpoints()).hasSize(2);
    }

    @Test
    void operator_flags_apply_to_every_version_of_a_name_and_are_seen_by_other_processes() throws Exception {
        store.register(ORDERS, 1);
        store.register(ORDERS_V2, 1);
        store.register(STOCK, 1);
        ProjectionStore other = other();

        assertThat(store.setPaused("orders", true)).isTrue();
        assertThat(other.find(ORDERS).orElseThrow().paused()).isTrue();
        assertThat(other.find(ORDERS_V2).orElseThrow().paused()).isTrue();
        assertThat(other.find(STOCK).orElseThrow().paused()).isFalse();
        assertThat(store.setPaused("nothing", true)).isFalse();

        assertThat(other.requestRebuild("orders")).isTrue();
        assertThat(store.find(ORDERS).orElseThrow().rebuildRequested()).as("the active version").isTrue();
        assertThat(store.find(ORDERS_V2).orElseThrow().rebuildRequested()).isFalse();
        assertThat(store.requestRebuild("nothing")).isFalse();

        store.inTransaction(tx -> {
            tx.setStopped(ORDERS, true);
            return null;
        });
        assertThat(other.find(ORDERS).orElseThrow().stopped()).isTrue();
        assertThat(other.resume("orders")).isTrue();
        ProjectionRecord resumed = store.find(ORDERS).orElseThrow();
        assertThat(resumed.stopped()).isFalse();
        assertThat(resumed.paused()).isFalse();
        assertThat(store.find(ORDERS_V2).orElseThrow().paused()).isFalse();
        assertThat(store.resume("nothing")).isFalse();
    }

    @Test
    void activating_a_version_retires_the_one_before_at_once() throws Exception {
        store.register(ORDERS, 2);
        store.register(ORDERS_V2, 2);
        store.activate(ORDERS_V2);
        ProjectionStore other = other();
        assertThat(other.find(ORDERS).orElseThrow().state()).isEqualTo(ProjectionState.RETIRED);
        assertThat(other.find(ORDERS_V2).orElseThrow().state()).isEqualTo(ProjectionState.ACTIVE);
        assertThat(other.active("orders")).get().extracting(ProjectionRecord::key).isEqualTo(ORDERS_V2);
        assertThat(store.list().stream().filter(r -> r.state() == ProjectionState.ACTIVE)).hasSize(1);
    }

    // ------------------------------------------------------------------ transactions

    @Test
    void checkpoints_documents_and_dead_letters_commit_together() throws Exception {
        store.register(ORDERS, 2);
        String result = store.inTransaction(tx -> {
            assertThat(tx.checkpoint(ORDERS, 1)).isZero();
            tx.saveCheckpoint(ORDERS, 1, 7);
            tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-1", "{\"total\":12,\"state\":\"placed\"}");
            tx.park(letter(ORDERS, 1, 5, "boom"));
            assertThat(tx.checkpoint(ORDERS, 1)).as("its own write").isEqualTo(7);
            return "done";
        });
        assertThat(result).isEqualTo("done");

        ProjectionStore other = other();
        ProjectionRecord r = other.find(ORDERS).orElseThrow();
        assertThat(r.checkpoints()).containsExactly(0L, 7L);
        assertThat(r.position()).isZero();
        assertThat(r.parked()).isEqualTo(1);
        assertThat(document(other, ORDERS, "orders", "o-1")).contains(json("{\"total\":12,\"state\":\"placed\"}"));
        long read = other.inTransaction(tx -> tx.checkpoint(ORDERS, 1));
        assertThat(read).isEqualTo(7);
        assertThat(other.readModels().collections()).contains("orders_v1");
    }

    @Test
    void a_transaction_that_throws_changes_nothing_and_rethrows_unchecked_errors_unchanged() {
        store.register(ORDERS, 1);
        store.inTransaction(tx -> {
            tx.saveCheckpoint(ORDERS, 0, 3);
            tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-1", "{\"v\":1}");
            return null;
        });
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.saveCheckpoint(ORDERS, 0, 9);
            tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-1", "{\"v\":2}");
            tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-2", "{\"v\":2}");
            tx.park(letter(ORDERS, 0, 4, "parked"));
            tx.recordError(ORDERS, "error");
            tx.setStopped(ORDERS, true);
            throw boom;
        })).isSameAs(boom);

        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.saveCheckpoint(ORDERS, 0, 10);
            throw new IOException("checked");
        })).isInstanceOf(FactaException.class).hasCauseInstanceOf(IOException.class);

        ProjectionRecord r = store.find(ORDERS).orElseThrow();
        assertThat(r.checkpoints()).containsExactly(3L);
        assertThat(r.parked()).isZero();
        assertThat(r.lastError()).isNull();
        assertThat(r.stopped()).isFalse();
        assertThat(document(store, ORDERS, "orders", "o-1")).contains(json("{\"v\":1}"));
        assertThat(document(store, ORDERS, "orders", "o-2")).isEmpty();
        assertThat(store.deadLetters(ORDERS, 0, 10)).isEmpty();
    }

    @Test
    void the_checkpoint_is_read_under_a_lock_so_concurrent_increments_are_never_lost() throws Exception {
        store.register(ORDERS, 1);
        ProjectionStore other = other();
        int perThread = 40;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<?>> fs = new ArrayList<>();
            for (ProjectionStore s : List.of(store, other)) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        s.inTransaction(tx -> {
                            long cp = tx.checkpoint(ORDERS, 0);
                            tx.saveCheckpoint(ORDERS, 0, cp + 1);
                            return null;
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        }
        assertThat(store.find(ORDERS).orElseThrow().checkpoints()).containsExactly(2L * perThread);
    }

    @Test
    void a_reset_sets_every_checkpoint_to_zero_and_clears_the_rebuild_request() {
        store.register(ORDERS, 3);
        store.inTransaction(tx -> {
            for (int s = 0; s < 3; s++) tx.saveCheckpoint(ORDERS, s, 10 + s);
            return null;
        });
        store.requestRebuild("orders");
        store.inTransaction(tx -> {
            tx.resetCheckpoints(ORDERS);
            assertThat(tx.checkpoint(ORDERS, 2)).isZero();
            return null;
        });
        ProjectionRecord r = store.find(ORDERS).orElseThrow();
        assertThat(r.checkpoints()).containsExactly(0L, 0L, 0L);
        assertThat(r.rebuildRequested()).isFalse();
    }

    @Test
    void the_last_error_is_recorded_with_its_time_and_can_be_cleared() {
        store.register(ORDERS, 1);
        Instant before = Instant.now().minusSeconds(1);
        store.inTransaction(tx -> {
            tx.recordError(ORDERS, "event #4: IllegalStateException: no such order");
            return null;
        });
        ProjectionRecord r = store.find(ORDERS).orElseThrow();
        assertThat(r.lastError()).isEqualTo("event #4: IllegalStateException: no such order");
        assertThat(r.lastErrorAt()).isAfter(before);
        store.inTransaction(tx -> {
            tx.recordError(ORDERS, null);
            return null;
        });
        assertThat(store.find(ORDERS).orElseThrow().lastError()).isNull();
    }

    // ------------------------------------------------------------------ leases

    @Test
    void a_lease_is_held_by_one_owner_until_released_and_each_acquisition_gets_a_higher_token() throws Exception {
        store.register(ORDERS, 2);
        ProjectionStore other = other();
        Lease a = store.acquire(ORDERS, 0, "a", LONG).orElseThrow();
        assertThat(a.key()).isEqualTo(ORDERS);
        assertThat(a.segment()).isZero();
        assertThat(a.owner()).isEqualTo("a");
        assertThat(a.expiresAt()).isAfter(Instant.now());
        assertThat(other.acquire(ORDERS, 0, "b", LONG)).isEmpty();
        Lease b1 = other.acquire(ORDERS, 1, "b", LONG).orElseThrow();
        assertThat(store.leases(ORDERS)).extracting(Lease::segment, Lease::owner).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, "a"), org.assertj.core.groups.Tuple.tuple(1, "b"));

        Lease renewed = store.renew(a, LONG).orElseThrow();
        assertThat(renewed.token()).isEqualTo(a.token());
        assertThat(renewed.owner()).isEqualTo("a");
        assertThat(renewed.expiresAt()).isAfterOrEqualTo(a.expiresAt());

        Lease again = store.acquire(ORDERS, 0, "a", LONG).orElseThrow();
        assertThat(again.token()).as("re-acquired by its owner").isGreaterThan(a.token());
        assertThat(store.renew(a, LONG)).as("the older token is no longer the lease").isEmpty();

        store.release(again);
        assertThat(store.leases(ORDERS)).extracting(Lease::segment).containsExactly(1);
        Lease b0 = other.acquire(ORDERS, 0, "b", LONG).orElseThrow();
        assertThat(b0.token()).isGreaterThan(again.token());
        store.release(again); // already lost: nothing happens
        assertThat(store.leases(ORDERS)).extracting(Lease::owner).containsExactly("b", "b");
        assertThat(b1.token()).isPositive();
    }

    @Test
    void an_expired_lease_can_be_taken_over_and_its_former_owner_can_neither_renew_nor_release_it() throws Exception {
        store.register(ORDERS, 1);
        ProjectionStore other = other();
        Lease a = store.acquire(ORDERS, 0, "a", SHORT).orElseThrow();
        Thread.sleep(SHORT.toMillis() + 250);
        assertThat(store.leases(ORDERS)).as("expired leases are not current").isEmpty();
        Lease b = other.acquire(ORDERS, 0, "b", LONG).orElseThrow();
        assertThat(b.token()).isGreaterThan(a.token());
        assertThat(store.renew(a, LONG)).isEmpty();
        store.release(a);
        assertThat(other.leases(ORDERS)).extracting(Lease::owner).containsExactly("b");
        assertThat(store.acquire(ORDERS, 0, "a", LONG)).isEmpty();
    }

    @Test
    void work_fenced_with_a_lease_that_was_taken_over_is_refused_and_rolled_back() throws Exception {
        store.register(ORDERS, 1);
        ProjectionStore other = other();
        Lease a = store.acquire(ORDERS, 0, "a", SHORT).orElseThrow();
        store.inTransaction(tx -> {
            tx.fence(a);
            tx.saveCheckpoint(ORDERS, 0, 1);
            tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-1", "{\"by\":\"a\"}");
            return null;
        });
        Thread.sleep(SHORT.toMillis() + 250);
        Lease b = other.acquire(ORDERS, 0, "b", LONG).orElseThrow();

        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.fence(a);
            tx.saveCheckpoint(ORDERS, 0, 2);
            tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-1", "{\"by\":\"a again\"}");
            return null;
        })).isInstanceOf(FencedOutException.class);

        other.inTransaction(tx -> {
            tx.fence(b);
            assertThat(tx.checkpoint(ORDERS, 0)).isEqualTo(1);
            tx.saveCheckpoint(ORDERS, 0, 3);
            return null;
        });
        assertThat(store.find(ORDERS).orElseThrow().checkpoints()).containsExactly(3L);
        assertThat(document(store, ORDERS, "orders", "o-1")).contains(json("{\"by\":\"a\"}"));
    }

    @Test
    void a_takeover_during_a_fenced_transaction_either_waits_for_it_or_keeps_it_from_committing() throws Exception {
        store.register(ORDERS, 1);
        ProjectionStore other = other();
        Lease a = store.acquire(ORDERS, 0, "a", SHORT).orElseThrow();
        AtomicBoolean taken = new AtomicBoolean();
        CompletableFuture<Lease> takeover = new CompletableFuture<>();
        AtomicBoolean takenWhileOpen = new AtomicBoolean();
        Throwable failure = null;
        try {
            store.inTransaction(tx -> {
                tx.fence(a);
                tx.saveCheckpoint(ORDERS, 0, 5);
                tx.collection(ORDERS.collection("orders"), DocumentCodec.json()).put("o-1", "{\"by\":\"a\"}");
                Thread.sleep(SHORT.toMillis() + 250); // the lease expires while the transaction is open
                Thread.ofVirtual().start(() -> {
                    try {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        Optional<Lease> l = Optional.empty();
                        while (l.isEmpty() && System.nanoTime() < deadline) {
                            l = other.acquire(ORDERS, 0, "b", LONG);
                            if (l.isEmpty()) Thread.sleep(20);
                        }
                        taken.set(l.isPresent());
                        takeover.complete(l.orElse(null));
                    } catch (Throwable t) {
                        takeover.completeExceptionally(t);
                    }
                });
                // give the takeover a moment: a store may make it wait for this transaction
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
                while (!taken.get() && System.nanoTime() < until) Thread.sleep(10);
                takenWhileOpen.set(taken.get());
                return null;
            });
        } catch (FencedOutException e) {
            failure = e;
        }
        Lease b = takeover.get(30, TimeUnit.SECONDS);
        assertThat(b).as("the takeover succeeds in the end").isNotNull();
        assertThat(b.token()).isGreaterThan(a.token());
        if (takenWhileOpen.get()) {
            assertThat(failure).as("taken over while the transaction was open: it must not commit").isNotNull();
        }
        ProjectionRecord r = store.find(ORDERS).orElseThrow();
        if (failure != null) {
            assertThat(r.checkpoints()).containsExactly(0L);
            assertThat(document(store, ORDERS, "orders", "o-1")).isEmpty();
        } else {
            assertThat(r.checkpoints()).containsExactly(5L);
            assertThat(document(store, ORDERS, "orders", "o-1")).contains(json("{\"by\":\"a\"}"));
        }
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.fence(a);
            return null;
        })).isInstanceOf(FencedOutException.class);
    }

    // ------------------------------------------------------------------ membership

    @Test
    void owners_announce_themselves_per_group_until_they_leave_or_stop_announcing() throws Exception {
        ProjectionStore other = other();
        String group = "default:orders:v1";
        assertThat(store.heartbeat(group, "node-b", LONG)).containsExactly("node-b");
        assertThat(other.heartbeat(group, "node-a", LONG)).containsExactly("node-a", "node-b");
        assertThat(store.heartbeat("other:orders:v1", "node-c", LONG)).containsExactly("node-c");
        assertThat(store.heartbeat(group, "node-c", SHORT)).containsExactly("node-a", "node-b", "node-c");

        other.leave(group, "node-a");
        assertThat(store.heartbeat(group, "node-b", LONG)).containsExactly("node-b", "node-c");
        Thread.sleep(SHORT.toMillis() + 250);
        assertThat(other.heartbeat(group, "node-b", LONG)).as("node-c stopped announcing").containsExactly("node-b");
        assertThat(store.heartbeat("other:orders:v1", "node-d", LONG)).containsExactly("node-c", "node-d");
        store.leave(group, "nobody"); // nothing happens
    }

    // ------------------------------------------------------------------ dead letters

    @Test
    void dead_letters_are_parked_listed_oldest_first_and_deleted_in_transactions() throws Exception {
        store.register(ORDERS, 2);
        store.register(STOCK, 1);
        DeadLetter first = letter(ORDERS, 1, 5, "IllegalStateException: five");
        long id1 = store.inTransaction(tx -> tx.park(first));
        long id2 = store.inTransaction(tx -> tx.park(letter(ORDERS, 0, 8, "eight")));
        long id3 = store.inTransaction(tx -> tx.park(letter(ORDERS, 1, 9, "nine")));
        long other = store.inTransaction(tx -> tx.park(letter(STOCK, 0, 9, "stock")));
        assertThat(List.of(id1, id2, id3)).isSorted().doesNotHaveDuplicates().doesNotContain(other);

        DeadLetter stored = store.deadLetter(id1).orElseThrow();
        assertThat(stored.id()).isEqualTo(id1);
        assertThat(stored.key()).isEqualTo(ORDERS);
        assertThat(stored.segment()).isEqualTo(1);
        assertThat(stored.position()).isEqualTo(5);
        assertThat(stored.eventId()).isEqualTo(first.eventId());
        assertThat(stored.stream()).isEqualTo("order-5");
        assertThat(stored.eventType()).isEqualTo("Placed");
        assertThat(stored.attempts()).isEqualTo(3);
        assertThat(stored.error()).isEqualTo("IllegalStateException: five");
        assertThat(stored.parkedAt()).isEqualTo(first.parkedAt());

        assertThat(store.deadLetters(ORDERS, 0, 10)).extracting(DeadLetter::id).containsExactly(id1, id2, id3);
        assertThat(store.deadLetters(ORDERS, id1, 1)).extracting(DeadLetter::id).containsExactly(id2);
        assertThat(store.find(ORDERS).orElseThrow().parked()).isEqualTo(3);
        ProjectionStore second = other();
        assertThat(second.deadLetters(STOCK, 0, 10)).extracting(DeadLetter::id).containsExactly(other);

        boolean deleted = second.inTransaction(tx -> tx.deleteDeadLetter(id2));
        boolean again = store.inTransaction(tx -> tx.deleteDeadLetter(id2));
        assertThat(deleted).isTrue();
        assertThat(again).isFalse();
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.deleteDeadLetter(id1);
            throw new IllegalStateException("roll back");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(store.deadLetters(ORDERS, 0, 10)).extracting(DeadLetter::id).containsExactly(id1, id3);
        assertThat(store.deadLetter(id2)).isEmpty();
        assertThat(store.find(ORDERS).orElseThrow().parked()).isEqualTo(2);
    }
}

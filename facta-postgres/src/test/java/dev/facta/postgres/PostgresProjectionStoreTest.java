package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.projection.Lease;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionStore;
import dev.facta.projection.ProjectionStoreContract;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.UniqueViolationException;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The projection store contract on PostgreSQL: each store has a pool of its own, as separate
 * processes would, on a fresh schema per test.
 */
class PostgresProjectionStoreTest extends ProjectionStoreContract {

    private final PooledProjectionStores stores = new PooledProjectionStores("proj");

    @Override
    protected ProjectionStore newStore() {
        return stores.fresh();
    }

    @Override
    protected ProjectionStore sameDatabase(ProjectionStore store) {
        return stores.another();
    }

    @Override
    protected void closeStore(ProjectionStore store) {
        stores.close(store);
    }

    private PostgresProjectionStore pg() {
        return (PostgresProjectionStore) store;
    }

    @Test
    void of_many_racing_acquirers_exactly_one_wins_each_round() throws Exception {
        store.register(ORDERS, 1);
        List<ProjectionStore> stores = List.of(store, other(), other(), other());
        int rounds = 15;
        try (ExecutorService exec = Executors.newFixedThreadPool(stores.size())) {
            for (int round = 0; round < rounds; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<Lease>>> fs = new ArrayList<>();
                for (int i = 0; i < stores.size(); i++) {
                    ProjectionStore s = stores.get(i);
                    String owner = "owner-" + i;
                    fs.add(exec.submit(() -> {
                        go.await();
                        return s.acquire(ORDERS, 0, owner, LONG);
                    }));
                }
                go.countDown();
                List<Lease> won = new ArrayList<>();
                for (Future<Optional<Lease>> f : fs) f.get(30, TimeUnit.SECONDS).ifPresent(won::add);
                assertThat(won).as("round %d", round).hasSize(1);
                assertThat(store.leases(ORDERS)).containsExactly(won.getFirst());
                store.release(won.getFirst());
            }
        }
        Lease last = store.acquire(ORDERS, 0, "last", LONG).orElseThrow();
        assertThat(last.token()).as("one acquisition per round, each with the next token").isEqualTo(rounds + 1);
    }

    @Test
    void lease_times_come_from_the_database_clock() throws Exception {
        store.register(ORDERS, 1);
        Lease a = store.acquire(ORDERS, 0, "a", Duration.ofSeconds(60)).orElseThrow();
        Instant dbNow;
        try (Connection c = pg().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT clock_timestamp()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            dbNow = rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
        assertThat(Duration.between(dbNow, a.expiresAt())).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60));
    }

    @Test
    void a_takeover_waits_until_the_fenced_transaction_ends() throws Exception {
        store.register(ORDERS, 1);
        ProjectionStore other = other();
        Lease a = store.acquire(ORDERS, 0, "a", SHORT).orElseThrow();
        CompletableFuture<Optional<Lease>> takeover = new CompletableFuture<>();
        CountDownLatch fenced = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> store.inTransaction(tx -> {
            tx.fence(a);
            tx.saveCheckpoint(ORDERS, 0, 4);
            fenced.countDown();
            Thread.sleep(SHORT.toMillis() + 700); // the lease expires meanwhile; the takeover must wait
            assertThat(takeover).as("taken over while the fenced transaction was open").isNotDone();
            return null;
        }));
        assertThat(fenced.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(SHORT.toMillis() + 100);
        Thread.ofVirtual().start(() -> takeover.complete(other.acquire(ORDERS, 0, "b", LONG)));
        holder.get(30, TimeUnit.SECONDS);
        Lease b = takeover.get(30, TimeUnit.SECONDS).orElseThrow();
        assertThat(b.token()).isGreaterThan(a.token());
        assertThat(store.find(ORDERS).orElseThrow().checkpoints()).containsExactly(4L);
    }

    @Test
    void the_owner_renews_its_lease_while_a_transaction_fenced_with_it_is_open() throws Exception {
        store.register(ORDERS, 1);
        ProjectionStore other = other();
        Lease a = store.acquire(ORDERS, 0, "a", LONG).orElseThrow();
        Lease renewed = store.inTransaction(tx -> {
            tx.fence(a);
            // another connection renews (as an engine's coordinator does) while this batch is open
            return CompletableFuture.supplyAsync(() -> other.renew(a, LONG)).get(20, TimeUnit.SECONDS).orElseThrow();
        });
        assertThat(renewed.token()).isEqualTo(a.token());
        store.inTransaction(tx -> {
            tx.fence(renewed);
            return null;
        });
    }

    @Test
    void work_can_join_a_transaction_the_caller_has_open() throws Exception {
        store.register(ORDERS, 1);
        ProjectionKey key = ORDERS;
        for (boolean commit : new boolean[] {false, true}) {
            try (Connection c = pg().dataSource().getConnection()) {
                c.setAutoCommit(false);
                pg().inTransaction(c, tx -> {
                    tx.collection(key.collection("orders"), DocumentCodec.json()).put("o-1", "{\"n\":1}");
                    tx.saveCheckpoint(key, 0, 9);
                    return null;
                });
                if (commit) c.commit();
                else c.rollback();
                c.setAutoCommit(true);
            }
            assertThat(store.find(key).orElseThrow().checkpoints()).containsExactly(commit ? 9L : 0L);
            assertThat(store.readModels().collection(key.collection("orders"), DocumentCodec.json()).get("o-1").isPresent())
                    .isEqualTo(commit);
        }
    }

    @Test
    void plain_sql_sees_the_documents_written_before_and_a_unique_violation_leaves_the_transaction_usable() {
        store.register(ORDERS, 1);
        String orders = ORDERS.collection("orders");
        store.readModels().createIndex(orders, Index.text("ref").asUnique());
        store.readModels().collection(orders, DocumentCodec.json()).put("o-1", "{\"ref\":\"r1\"}");
        long seen = store.inTransaction(tx -> {
            var docs = tx.collection(orders, DocumentCodec.json());
            docs.put("o-2", "{\"ref\":\"r2\"}");
            assertThatThrownBy(() -> docs.put("o-3", "{\"ref\":\"r1\"}")).isInstanceOf(UniqueViolationException.class);
            tx.collection(ORDERS.collection("lines"), DocumentCodec.json()).put("l-1", "{}");
            Connection c = tx.unwrap(Connection.class);
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + stores.schema() + ".rm_lines_v1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                tx.saveCheckpoint(ORDERS, 0, 1);
                return rs.getLong(1);
            }
        });
        assertThat(seen).isEqualTo(1);
        assertThat(store.readModels().collection(orders, DocumentCodec.json()).getMany(List.of("o-1", "o-2", "o-3")).keySet())
                .containsExactly("o-1", "o-2");
        assertThatThrownBy(() -> store.inTransaction(tx -> tx.unwrap(String.class))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void a_schema_without_the_projection_tables_says_to_migrate() {
        String bare = PostgresTestDatabase.newSchema("facta_bare");
        try {
            PostgresProjectionStore unmigrated = new PostgresProjectionStore(pg().dataSource(), bare);
            assertThatThrownBy(unmigrated::list).isInstanceOf(FactaException.class).hasMessageContaining("run the migrations");
        } finally {
            PostgresTestDatabase.dropSchema(bare);
        }
    }
}

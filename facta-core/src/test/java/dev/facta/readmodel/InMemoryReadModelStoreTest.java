package dev.facta.readmodel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryReadModelStoreTest extends ReadModelStoreContract {

    @Override
    protected ReadModelStore newStore() {
        return new InMemoryReadModelStore();
    }

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final InMemoryReadModelStore memory = new InMemoryReadModelStore();
    private final DocumentCollection<String> orders = memory.collection("orders", DocumentCodec.json());

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void uncommitted_writes_are_seen_by_the_transaction_only() {
        orders.put("o-1", "{\"n\":1}");
        try (InMemoryReadModelStore.Tx tx = memory.begin()) {
            DocumentCollection<String> inTx = tx.collection("orders", DocumentCodec.json());
            inTx.put("o-2", "{\"n\":2}");
            inTx.put("o-1", "{\"n\":10}");
            assertThat(inTx.delete("o-1")).isTrue();
            inTx.put("o-1", "{\"n\":11}");
            assertThat(inTx.get("o-1")).contains("{\"n\":11}");
            assertThat(inTx.count(Query.all())).isEqualTo(2);
            assertThat(inTx.find(Query.where("n", Predicate.gt(5))).items()).containsExactly("{\"n\":11}");

            assertThat(orders.get("o-1")).contains("{\"n\":1}");
            assertThat(orders.get("o-2")).isEmpty();
            assertThat(orders.count(Query.all())).isEqualTo(1);
            tx.commit();
        }
        assertThat(orders.get("o-1")).contains("{\"n\":11}");
        assertThat(orders.get("o-2")).contains("{\"n\":2}");
        assertThat(memory.revision("orders", "o-1")).isEqualTo(1); // deleted and inserted again in the transaction
        assertThat(memory.revision("orders", "o-2")).isEqualTo(1);
    }

    @Test
    void revisions_count_writes() {
        orders.put("o-1", "{\"n\":1}");
        orders.put("o-1", "{\"n\":2}");
        orders.update("o-1", s -> "{\"n\":3}");
        assertThat(memory.revision("orders", "o-1")).isEqualTo(3);
        orders.delete("o-1");
        assertThat(memory.revision("orders", "o-1")).isZero();
        orders.put("o-1", "{\"n\":4}");
        assertThat(memory.revision("orders", "o-1")).isEqualTo(1);
    }

    @Test
    void a_rolled_back_transaction_changes_nothing() {
        orders.put("o-1", "{\"n\":1}");
        try (InMemoryReadModelStore.Tx tx = memory.begin()) {
            DocumentCollection<String> inTx = tx.collection("orders", DocumentCodec.json());
            inTx.clear();
            inTx.put("o-9", "{\"n\":9}");
            tx.collection("items", DocumentCodec.json()).put("i-1", "{}");
            tx.rollback();
            assertThatThrownBy(() -> inTx.get("o-1")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
        }
        assertThat(orders.find(Query.all()).items()).containsExactly("{\"n\":1}");
        assertThat(memory.collections()).containsExactly("orders");
        assertThat(memory.revision("orders", "o-1")).isEqualTo(1);
    }

    @Test
    void closing_without_commit_rolls_back_and_frees_the_lock() throws Exception {
        try (InMemoryReadModelStore.Tx tx = memory.begin()) {
            tx.collection("orders", DocumentCodec.json()).put("o-1", "{}");
        }
        assertThat(orders.get("o-1")).isEmpty();
        // another thread can write now
        CompletableFuture.runAsync(() -> orders.put("o-2", "{}"), pool).get(5, TimeUnit.SECONDS);
        assertThat(orders.get("o-2")).isPresent();
    }

    @Test
    void writers_wait_for_an_open_transaction_and_readers_do_not() throws Exception {
        InMemoryReadModelStore.Tx tx = memory.begin();
        try {
            tx.collection("orders", DocumentCodec.json()).put("o-1", "{\"by\":\"tx\"}");
            AtomicBoolean written = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                started.countDown();
                orders.put("o-1", "{\"by\":\"writer\"}");
                written.set(true);
            }, pool);
            started.await();
            // a reader on another thread is not blocked and sees nothing uncommitted
            assertThat(CompletableFuture.supplyAsync(() -> orders.get("o-1"), pool).get(5, TimeUnit.SECONDS)).isEmpty();
            Thread.sleep(50);
            assertThat(written).isFalse();
            tx.commit();
            writer.get(5, TimeUnit.SECONDS);
        } finally {
            tx.close();
        }
        assertThat(orders.get("o-1")).contains("{\"by\":\"writer\"}");
        assertThat(memory.revision("orders", "o-1")).isEqualTo(2);
    }

    @Test
    void a_commit_becomes_visible_all_at_once() throws Exception {
        DocumentCollection<String> a = memory.collection("a", DocumentCodec.json());
        DocumentCollection<String> b = memory.collection("b", DocumentCodec.json());
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            while (!stop.get()) {
                long inA = a.count(Query.all());
                long inB = b.count(Query.all());
                // writers always put one document into a and then one into b in the same transaction;
                // b is read after a, so it can only be ahead
                if (inB < inA) return "saw " + inA + " in a but " + inB + " in b";
            }
            return null;
        }, pool);
        for (int i = 0; i < 300; i++) {
            try (InMemoryReadModelStore.Tx tx = memory.begin()) {
                tx.collection("a", DocumentCodec.json()).put("d-" + i, "{}");
                tx.collection("b", DocumentCodec.json()).put("d-" + i, "{}");
                tx.commit();
            }
        }
        stop.set(true);
        assertThat(reader.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(b.count(Query.all())).isEqualTo(300);
    }

    @Test
    void a_failed_put_many_in_a_transaction_leaves_its_earlier_writes_alone() {
        memory.createIndex("users", Index.text("email").asUnique());
        try (InMemoryReadModelStore.Tx tx = memory.begin()) {
            DocumentCollection<String> users = tx.collection("users", DocumentCodec.json());
            users.put("u-1", "{\"email\":\"a@x\"}");
            Map<String, String> batch = new java.util.LinkedHashMap<>();
            batch.put("u-2", "{\"email\":\"b@x\"}");
            batch.put("u-3", "{\"email\":\"a@x\"}");
            assertThatThrownBy(() -> users.putMany(batch)).isInstanceOf(UniqueViolationException.class);
            assertThat(users.get("u-2")).isEmpty();
            users.put("u-2", "{\"email\":\"b@x\"}");
            // moving a value frees it for another document in the same transaction
            users.put("u-1", "{\"email\":\"c@x\"}");
            users.put("u-3", "{\"email\":\"a@x\"}");
            assertThatThrownBy(() -> users.put("u-4", "{\"email\":\"a@x\"}")).isInstanceOf(UniqueViolationException.class);
            tx.commit();
        }
        DocumentCollection<String> users = memory.collection("users", DocumentCodec.json());
        assertThat(users.count(Query.all())).isEqualTo(3);
        assertThatThrownBy(() -> users.put("u-5", "{\"email\":\"c@x\"}")).isInstanceOf(UniqueViolationException.class);
        users.put("u-5", "{\"email\":\"d@x\"}");
    }

    @Test
    void a_transaction_belongs_to_its_thread() throws Exception {
        InMemoryReadModelStore.Tx tx = memory.begin();
        try {
            assertThatThrownBy(memory::begin).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> orders.put("o-1", "{}")).isInstanceOf(IllegalStateException.class);
            CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
                try {
                    tx.commit();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, pool);
            assertThat(other.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        } finally {
            tx.close();
        }
        orders.put("o-1", "{}");
        assertThat(orders.get("o-1")).isPresent();
    }
}

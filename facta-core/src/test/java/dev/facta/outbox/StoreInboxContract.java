package dev.facta.outbox;

import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link StoreInbox} keeps, whatever the store: a message id is handled once, the handler's
 * effect commits with the mark or not at all, and concurrent deliveries of one id (from several
 * store handles, as several processes would) have one effect. Store modules extend it.
 */
public abstract class StoreInboxContract {

    /** A projection store on a fresh database. */
    protected abstract ProjectionStore newStore() throws Exception;

    /** Another handle on the same database, as another process would open it (default: the same one). */
    protected ProjectionStore sameDatabase(ProjectionStore store) throws Exception {
        return store;
    }

    protected abstract void closeStore(ProjectionStore store) throws Exception;

    protected ProjectionStore store;
    private final List<ProjectionStore> others = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        store = newStore();
    }

    @AfterEach
    void close() throws Exception {
        for (ProjectionStore s : others.reversed()) if (s != store) closeStore(s);
        closeStore(store);
    }

    private ProjectionStore other() throws Exception {
        ProjectionStore s = sameDatabase(store);
        others.add(s);
        return s;
    }

    private static InboxMessage message(String id) {
        return new InboxMessage(id, "orders", Map.of(OutboxHeaders.STREAM, "order-1"), "{}".getBytes());
    }

    /** Records the effect as a document of its own, so a second run could never hide in an overwrite. */
    private static final InboxHandler RECORD = (m, ctx) ->
            ctx.collection("effects", DocumentCodec.json()).put(UUID.randomUUID().toString(), "{\"mid\":\"" + m.id() + "\"}");

    private long effects(ProjectionStore s, String id) {
        DocumentCollection<String> c = s.readModels().collection("effects", DocumentCodec.json());
        return c.count(Query.where("mid", Predicate.eq(id)));
    }

    @Test
    void handlesAMessageOnceAndDropsItsDuplicates() {
        StoreInbox inbox = StoreInbox.on(store, "orders");
        assertThat(inbox.seen("m-1")).isFalse();
        assertThat(inbox.process(message("m-1"), RECORD)).isTrue();
        assertThat(inbox.process(message("m-1"), RECORD)).isFalse();
        assertThat(inbox.process(message("m-2"), RECORD)).isTrue();
        assertThat(inbox.seen("m-1")).isTrue();
        assertThat(effects(store, "m-1")).isEqualTo(1);
        assertThat(effects(store, "m-2")).isEqualTo(1);
        assertThat(inbox.duplicatesDropped()).isEqualTo(1);
        assertThat(inbox.size()).isEqualTo(2);
        // another inbox name keeps its own marks
        assertThat(StoreInbox.on(store, "billing").process(message("m-1"), (m, ctx) -> { })).isTrue();
    }

    @Test
    void aFailingHandlerLeavesNeitherEffectNorMark() {
        StoreInbox inbox = StoreInbox.on(store, "orders");
        assertThatThrownBy(() -> inbox.process(message("m-1"), (m, ctx) -> {
            RECORD.handle(m, ctx);
            throw new IllegalStateException("handler failed");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(inbox.seen("m-1")).isFalse();
        assertThat(effects(store, "m-1")).isZero();
        assertThat(inbox.process(message("m-1"), RECORD)).isTrue();
        assertThat(effects(store, "m-1")).isEqualTo(1);
    }

    @Test
    void concurrentDeliveriesOfTheSameIdsHaveOneEffectEach() throws Exception {
        List<StoreInbox> inboxes = List.of(StoreInbox.on(store, "orders"), StoreInbox.on(other(), "orders"),
                StoreInbox.on(other(), "orders"), StoreInbox.on(store, "orders"));
        int ids = 40;
        try (ExecutorService pool = Executors.newFixedThreadPool(inboxes.size())) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> handled = new ArrayList<>();
            for (StoreInbox inbox : inboxes) {
                handled.add(pool.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int i = 0; i < ids; i++) {
                        if (inbox.process(message("m-" + i), RECORD)) n++;
                    }
                    return n;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : handled) total += f.get();
            assertThat(total).isEqualTo(ids);
        }
        for (int i = 0; i < ids; i++) assertThat(effects(store, "m-" + i)).as("effects of m-" + i).isEqualTo(1);
    }

    @Test
    void purgeForgetsOldIds() throws Exception {
        StoreInbox inbox = StoreInbox.on(store, "orders");
        inbox.process(message("old"), RECORD);
        Thread.sleep(20);
        Instant cut = Instant.now();
        Thread.sleep(20);
        inbox.process(message("new"), RECORD);
        assertThat(inbox.purgeProcessedBefore(cut)).isEqualTo(1);
        assertThat(inbox.seen("old")).isFalse();
        assertThat(inbox.seen("new")).isTrue();
    }

    @Test
    void refusesBadNamesAndIds() {
        assertThatThrownBy(() -> StoreInbox.on(store, "Bad-Name")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> StoreInbox.on(store, "x".repeat(43))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> message("")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> message("x".repeat(513))).isInstanceOf(InvalidInputException.class);
    }
}

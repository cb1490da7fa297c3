package dev.facta.postgres;

import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic failure of PostgreSQL event stores: a reader that skips an event committed late,
 * after a higher position was already visible. Two store instances (as two processes would)
 * append concurrently; their transactions roll back at random and are sometimes held open
 * mid-append; a third instance follows the global log the whole time. It must see every
 * committed event exactly once, in position order, and nothing that was rolled back.
 */
class GapFreeGlobalOrderTest {

    private String schema;
    private final List<EventStore> stores = new ArrayList<>();

    @BeforeEach
    void schema() {
        schema = PostgresTestDatabase.newSchema("facta_gapfree");
    }

    @AfterEach
    void drop() {
        stores.forEach(EventStore::close);
        PostgresTestDatabase.dropSchema(schema);
    }

    private PostgresEventStore open(BeforeCommit hook) {
        PostgresEventStore s = PostgresTestDatabase.storeBuilder(schema).beforeCommit(hook).build();
        stores.add(s);
        return s;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void a_follower_sees_every_committed_event_exactly_once_despite_rollbacks_and_slow_transactions() throws Exception {
        AtomicInteger injectedRollbacks = new AtomicInteger();
        AtomicInteger heldOpen = new AtomicInteger();
        BeforeCommit chaos = (connection, events) -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int dice = rnd.nextInt(100);
            if (dice < 10) {
                injectedRollbacks.incrementAndGet();
                throw new IllegalStateException("injected rollback");
            }
            if (dice < 13) {
                heldOpen.incrementAndGet();
                Thread.sleep(rnd.nextInt(20, 120)); // the transaction stays open with its rows inserted
            }
        };
        PostgresEventStore first = open(chaos);
        PostgresEventStore second = open(chaos);
        PostgresEventStore follower = open(null);

        int writers = 8;
        int appendsEach = 120;
        Map<UUID, Long> committed = new ConcurrentHashMap<>();
        Set<UUID> rolledBack = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<RecordedEvent> seen = new ArrayList<>();
        AtomicInteger emptyPolls = new AtomicInteger();

        try (ExecutorService pool = Executors.newFixedThreadPool(writers + 1)) {
            Future<?> reader = pool.submit(() -> {
                long from = 1;
                boolean lastRound = false;
                while (true) {
                    boolean finished = !writing.get();
                    AllSlice slice = follower.readAll(from, 50);
                    seen.addAll(slice.events());
                    if (slice.events().isEmpty()) emptyPolls.incrementAndGet();
                    from = slice.next();
                    if (slice.endOfLog()) {
                        if (lastRound) return null;
                        if (finished) lastRound = true;
                        else Thread.sleep(1);
                    }
                }
            });
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                EventStore store = w % 2 == 0 ? first : second;
                int writer = w;
                futures.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < appendsEach; i++) {
                        List<EventData> batch = new ArrayList<>();
                        for (int k = 0, n = rnd.nextInt(1, 6); k < n; k++) {
                            batch.add(EventData.of("Tick", "{\"writer\":" + writer + ",\"i\":" + i + ",\"k\":" + k + "}"));
                        }
                        StreamId stream = StreamId.of("tick-" + rnd.nextInt(20));
                        try {
                            AppendResult r = store.append(stream, ExpectedVersion.any(), batch);
                            for (int k = 0; k < batch.size(); k++) committed.put(batch.get(k).id(), r.firstPosition() + k);
                        } catch (IllegalStateException rollback) {
                            assertThat(rollback).hasMessage("injected rollback");
                            batch.forEach(e -> rolledBack.add(e.id()));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
            writing.set(false);
            reader.get();
        }

        assertThat(injectedRollbacks.get()).as("rollbacks injected").isPositive();
        assertThat(heldOpen.get()).as("transactions held open").isPositive();
        assertThat(rolledBack).as("appends that failed").isNotEmpty();

        List<Long> positions = seen.stream().map(RecordedEvent::position).toList();
        assertThat(positions).as("dense and strictly increasing")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, committed.size()).boxed().toList());
        Set<UUID> seenIds = new HashSet<>();
        for (RecordedEvent e : seen) {
            assertThat(seenIds.add(e.id())).as("seen once: %s", e).isTrue();
            assertThat(committed.get(e.id())).as("position of %s", e.id()).isEqualTo(e.position());
        }
        assertThat(seenIds).isEqualTo(committed.keySet());
        assertThat(seenIds).doesNotContainAnyElementsOf(rolledBack);
        assertThat(follower.headPosition()).isEqualTo(committed.size());
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void concurrent_appends_share_transactions_and_a_hook_failure_fails_only_its_own_append() throws Exception {
        AtomicInteger largestBatch = new AtomicInteger();
        BeforeCommit hook = (connection, events) -> {
            largestBatch.accumulateAndGet(events.size(), Math::max);
            for (RecordedEvent e : events) {
                if (e.stream().value().equals("poison-1")) throw new IllegalArgumentException("refused by hook");
            }
            Thread.sleep(2); // give other appends time to queue behind this transaction
        };
        PostgresEventStore store = open(hook);
        Set<UUID> ok = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        StreamId s = (thread == 0 && i % 10 == 0) ? StreamId.of("poison-1") : StreamId.of("ok-" + thread);
                        EventData e = EventData.of("E", "{}");
                        try {
                            store.append(s, ExpectedVersion.any(), e);
                            ok.add(e.id());
                        } catch (IllegalArgumentException expected) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        assertThat(largestBatch.get()).as("events in one group-commit transaction").isGreaterThan(1);
        assertThat(refused.get()).isEqualTo(5);
        assertThat(store.headPosition()).isEqualTo(ok.size());
        assertThat(store.streamInfo(StreamId.of("poison-1"))).isEmpty();
        List<RecordedEvent> all = store.readAll(1, 10_000).events();
        assertThat(all).extracting(RecordedEvent::id).containsExactlyInAnyOrderElementsOf(ok);
    }
}

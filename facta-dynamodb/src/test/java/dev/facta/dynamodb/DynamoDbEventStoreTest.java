package dev.facta.dynamodb;

import dev.facta.InvalidInputException;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.EventStoreContract;
import dev.facta.store.EventTooLargeException;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shared contract on a fresh table of DynamoDB Local (or FACTA_TEST_DYNAMODB_ENDPOINT) per
 * test, plus what only DynamoDB must show: its transaction limits, and two store instances on
 * one table (as two application processes would be) keeping every invariant between them.
 */
class DynamoDbEventStoreTest extends EventStoreContract {
    private final DynamoDbLocal dynamo = DynamoDbLocal.shared();

    @Override
    protected EventStore createStore() {
        return dynamo.freshStore("events");
    }

    @Override
    protected void destroyStore(EventStore store) {
        dynamo.dropStore((DynamoDbEventStore) store);
    }

    /**
     * 500 instead of 1,000: every attempt is a DynamoDB transaction (about 10 ms on DynamoDB Local
     * on a loaded 2-core machine), and 8 threads x 500 attempts on one stream still give thousands
     * of conflicts; this keeps the module's tests within their time budget.
     */
    @Override
    protected int conflictingAttemptsPerThread() {
        return 500;
    }

    /** A second instance on the same table, with its own client and writer, like another process. */
    private DynamoDbEventStore secondInstance() {
        return DynamoDbEventStore.builder(((DynamoDbEventStore) store).table()).endpoint(dynamo.endpoint()).open();
    }

    private List<RecordedEvent> wholeLog(EventStore s) {
        List<RecordedEvent> all = new ArrayList<>();
        for (long from = 1; ; ) {
            AllSlice slice = s.readAll(from, 1000);
            all.addAll(slice.events());
            if (slice.endOfLog()) return all;
            from = slice.next();
        }
    }

    @Test
    void an_append_past_one_transactions_4_mb_is_refused_whole_with_a_typed_error() {
        StreamId s = StreamId.of("limits-1");
        store.append(s, ExpectedVersion.noStream(), events(3));
        // each event fits an item, together they pass the 4 MB of a transaction (each is written twice)
        String blob = "{\"blob\":\"" + "x".repeat(250 * 1024) + "\"}";
        List<EventData> heavy = new ArrayList<>();
        for (int i = 0; i < 9; i++) heavy.add(EventData.of("Heavy", blob));
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), heavy))
                .isInstanceOfSatisfying(EventTooLargeException.class, e -> {
                    assertThat(e.field()).isEqualTo("events");
                    assertThat(e.limit()).isEqualTo(DynamoDbEventStore.MAX_TRANSACTION_BYTES);
                });
        // one event larger than an item
        String tooBig = "{\"blob\":\"" + "x".repeat(DynamoDbEventStore.MAX_EVENT_BYTES) + "\"}";
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), EventData.of("Big", tooBig)))
                .isInstanceOf(EventTooLargeException.class);
        assertThat(store.readStream(s)).hasSize(3);
        assertThat(store.headPosition()).isEqualTo(3);

        // what does fit is written, cut into chunk items that each stay below DynamoDB's 400 KB
        AppendResult r = store.append(s, ExpectedVersion.exactly(2), heavy.subList(0, 7));
        assertThat(r.lastPosition()).isEqualTo(10);
        assertThat(store.readStream(s)).hasSize(10).last().satisfies(e -> assertThat(json(e.data())).isEqualTo(json(blob)));
        assertThat(store.readStream(s, 9, 3, ReadDirection.BACKWARD)).extracting(RecordedEvent::version).containsExactly(9L, 8L, 7L);
        assertThat(wholeLog(store)).extracting(RecordedEvent::position).containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
    }

    @Test
    void an_append_with_more_ids_than_one_transaction_holds_is_still_all_or_nothing() {
        StreamId s = StreamId.of("import-1");
        EventData taken = event(-1);
        store.append(StreamId.of("other-1"), ExpectedVersion.noStream(), taken);
        List<EventData> big = new ArrayList<>(events(1_200)); // crosses a log bucket too
        big.set(1_100, taken); // its id items go in ahead of the commit; this one is refused there
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.noStream(), big))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(taken.id().toString());
        assertThatThrownBy(() -> store.readStream(s)).isInstanceOf(StreamNotFoundException.class);
        assertThat(store.headPosition()).isEqualTo(1);

        // the ids written ahead of the failed commit do not stand in the way of the corrected batch
        big.set(1_100, event(1_100));
        AppendResult r = store.append(s, ExpectedVersion.noStream(), big);
        assertThat(r.firstPosition()).isEqualTo(2);
        assertThat(r.lastPosition()).isEqualTo(1_201);
        assertThat(store.append(s, ExpectedVersion.noStream(), big)).isEqualTo(r); // and a retry is recognised
        List<RecordedEvent> read = store.readStream(s);
        assertThat(read).extracting(RecordedEvent::id).containsExactlyElementsOf(big.stream().map(EventData::id).toList());
        assertThat(wholeLog(store)).extracting(RecordedEvent::position)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 1_201).boxed().toList());
        assertThat(store.readAll(999, 3).events()).extracting(RecordedEvent::version).containsExactly(997L, 998L, 999L);
    }

    @Test
    void an_id_item_left_behind_by_a_commit_that_never_happened_is_replaced() {
        // what a crash between writing an append's id items and its commit leaves: an id pointing past the log
        EventData e = event(1);
        try (var client = dynamo.client()) {
            client.putItem(r -> r.tableName(((DynamoDbEventStore) store).table()).item(Map.of(
                    DynamoDbTable.PK, software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("i#" + e.id()),
                    DynamoDbTable.SK, DynamoDbTable.n(0),
                    "st", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("ghost-1"),
                    "ve", DynamoDbTable.n(0), "po", DynamoDbTable.n(1))));
        }
        AppendResult r = store.append(StreamId.of("order-1"), ExpectedVersion.noStream(), e);
        assertThat(r.firstPosition()).isEqualTo(1);
        assertThat(store.append(StreamId.of("order-1"), ExpectedVersion.noStream(), e)).isEqualTo(r);
        assertThatThrownBy(() -> store.append(StreamId.of("order-2"), ExpectedVersion.noStream(), e))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(e.id().toString());
        assertThat(wholeLog(store)).hasSize(1);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void concurrent_appends_of_every_size_are_split_into_transactions_that_fit_and_stay_dense() throws Exception {
        int writers = 6;
        int appendsEach = 4;
        Map<UUID, Long> committed = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < appendsEach; i++) {
                        List<EventData> batch = events(new int[]{1, 30, 95, 150}[(writer + i) % 4]);
                        AppendResult r = store.append(StreamId.of("sized-" + writer), ExpectedVersion.any(), batch);
                        for (int k = 0; k < batch.size(); k++) committed.put(batch.get(k).id(), r.firstPosition() + k);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        List<RecordedEvent> log = wholeLog(store);
        assertThat(log).extracting(RecordedEvent::position)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, committed.size()).boxed().toList());
        Map<UUID, Long> seen = new HashMap<>();
        for (RecordedEvent e : log) seen.put(e.id(), e.position());
        assertThat(seen).isEqualTo(committed);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void two_instances_on_one_table_keep_positions_dense_and_a_reader_sees_every_event_once() throws Exception {
        try (DynamoDbEventStore other = secondInstance()) {
            List<EventStore> instances = List.of(store, other);
            AtomicBoolean done = new AtomicBoolean();
            Map<UUID, Long> committed = new ConcurrentHashMap<>();
            List<RecordedEvent> seen = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(7)) {
                Future<?> reader = pool.submit(() -> {
                    long from = 1;
                    boolean lastRound = false;
                    while (true) {
                        boolean finished = done.get();
                        AllSlice slice = other.readAll(from, 100);
                        seen.addAll(slice.events());
                        from = slice.next();
                        if (slice.endOfLog()) {
                            if (lastRound) return null;
                            if (finished) lastRound = true;
                        }
                    }
                });
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < 6; w++) {
                    int writer = w;
                    EventStore via = instances.get(w % 2);
                    writers.add(pool.submit(() -> {
                        for (int i = 0; i < 40; i++) {
                            // streams shared by both instances, so their head conditions collide too
                            List<EventData> batch = events(1 + i % 3);
                            AppendResult r = via.append(StreamId.of("both-" + (writer / 2) + "-" + i % 4), ExpectedVersion.any(), batch);
                            for (int k = 0; k < batch.size(); k++) committed.put(batch.get(k).id(), r.firstPosition() + k);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : writers) f.get();
                done.set(true);
                reader.get();
            }
            assertThat(seen).extracting(RecordedEvent::position)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, committed.size()).boxed().toList());
            Map<UUID, Long> seenPositions = new HashMap<>();
            for (RecordedEvent e : seen) seenPositions.put(e.id(), e.position());
            assertThat(seenPositions).isEqualTo(committed);
            Map<StreamId, Long> last = new HashMap<>();
            for (RecordedEvent e : seen) {
                assertThat(e.version()).isEqualTo(last.getOrDefault(e.stream(), -1L) + 1);
                last.put(e.stream(), e.version());
            }
            assertThat(store.headPosition()).isEqualTo(committed.size());
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void of_conflicting_appends_from_two_instances_exactly_one_wins_each_version() throws Exception {
        StreamId s = StreamId.of("contended-2");
        AtomicInteger wins = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        try (DynamoDbEventStore other = secondInstance(); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<EventStore> instances = List.of(store, other);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                EventStore via = instances.get(t % 2);
                fs.add(pool.submit(() -> {
                    start.await();
                    long known = -1;
                    for (int i = 0; i < 100; i++) {
                        ExpectedVersion expected = known < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(known);
                        try {
                            known = via.append(s, expected, event(i)).nextExpectedVersion();
                            wins.incrementAndGet();
                        } catch (WrongExpectedVersionException e) {
                            assertThat(e.actual()).isGreaterThan(known);
                            known = e.actual();
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : fs) f.get();
        }
        List<RecordedEvent> stream = store.readStream(s);
        assertThat(stream).hasSize(wins.get());
        assertThat(stream).extracting(RecordedEvent::version)
                .containsExactlyElementsOf(LongStream.range(0, wins.get()).boxed().toList());
        assertThat(conflicts.get()).isPositive();
        assertThat(store.headPosition()).isEqualTo(wins.get());
    }

    @Test
    void a_retry_sent_through_another_instance_is_recognised_and_an_id_taken_there_is_refused() {
        StreamId s = StreamId.of("order-77");
        List<EventData> batch = events(3);
        AppendResult first = store.append(s, ExpectedVersion.noStream(), batch);
        try (DynamoDbEventStore other = secondInstance()) {
            assertThat(other.append(s, ExpectedVersion.noStream(), batch)).isEqualTo(first);
            // the other instance's head is stale now: its next append still lands after the first's
            AppendResult next = other.append(StreamId.of("order-78"), ExpectedVersion.noStream(), events(1));
            assertThat(next.firstPosition()).isEqualTo(4);
            assertThatThrownBy(() -> store.append(StreamId.of("order-79"), ExpectedVersion.noStream(), batch.get(1)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining(batch.get(1).id().toString());
        }
        assertThatThrownBy(() -> store.readStream(StreamId.of("order-79"))).isInstanceOf(StreamNotFoundException.class);
        assertThat(wholeLog(store)).hasSize(4);
        assertThat(store.describe()).contains("dynamodb").contains(((DynamoDbEventStore) store).table());
    }
}

package dev.facta.store;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The promises every event store keeps (ARCHITECTURE.md, "Invariants every store keeps").
 * Each store module extends this class with a fixture that hands out a fresh, empty store.
 */
public abstract class EventStoreContract {

    protected EventStore store;

    /** A fresh, empty store; called before each test. */
    protected abstract EventStore createStore() throws Exception;

    /** Releases what {@link #createStore()} made; the default closes the store. */
    protected void destroyStore(EventStore store) throws Exception {
        store.close();
    }

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store != null) destroyStore(store);
    }

    // ---- helpers -------------------------------------------------------------------------

    protected static EventData event(String type, String json) {
        return EventData.of(type, json);
    }

    protected static EventData event(int n) {
        return EventData.of("Numbered", "{\"n\":" + n + "}");
    }

    protected static List<EventData> events(int count) {
        List<EventData> list = new ArrayList<>();
        for (int i = 0; i < count; i++) list.add(event(i));
        return list;
    }

    /** JSON compared by meaning: stores may normalise whitespace and key order (jsonb does). */
    protected static Object json(byte[] data) {
        return Json.parse(new String(data, StandardCharsets.UTF_8), 64, "data");
    }

    protected static Object json(String text) {
        return Json.parse(text, 64, "data");
    }

    private List<RecordedEvent> readWholeLog() {
        List<RecordedEvent> all = new ArrayList<>();
        long from = 0;
        while (true) {
            AllSlice slice = store.readAll(from, 500);
            all.addAll(slice.events());
            if (slice.endOfLog()) return all;
            from = slice.next();
        }
    }

    // ---- appending and reading a stream --------------------------------------------------

    @Test
    void a_new_stream_starts_at_version_zero_and_the_empty_log_at_position_one() {
        assertThat(store.headPosition()).isZero();
        StreamId s = StreamId.of("order-1");
        AppendResult r = store.append(s, ExpectedVersion.noStream(), events(3));
        assertThat(r.nextExpectedVersion()).isEqualTo(2);
        assertThat(r.firstPosition()).isEqualTo(1);
        assertThat(r.lastPosition()).isEqualTo(3);
        assertThat(store.headPosition()).isEqualTo(3);

        List<RecordedEvent> read = store.readStream(s);
        assertThat(read).extracting(RecordedEvent::version).containsExactly(0L, 1L, 2L);
        assertThat(read).extracting(RecordedEvent::position).containsExactly(1L, 2L, 3L);
        assertThat(read).allSatisfy(e -> {
            assertThat(e.stream()).isEqualTo(s);
            assertThat(e.type()).isEqualTo("Numbered");
            assertThat(e.recordedAt()).isNotNull();
        });
        assertThat(json(read.get(1).data())).isEqualTo(json("{\"n\":1}"));
    }

    @Test
    void event_data_metadata_and_ids_come_back_as_they_were_written() {
        UUID id = UUID.randomUUID();
        Metadata m = Metadata.empty().withCorrelationId("corr-1").withCausationId("cause-1").withTenant("acme")
                .with("user", "ana").with("ip", "10.0.0.1");
        String data = "{\"name\":\"Zoë 🍕 \\\"quoted\\\"\",\"items\":[1,2.5,{\"sku\":\"A-1\"}],\"paid\":false,\"note\":null}";
        store.append(StreamId.of("order-7"), ExpectedVersion.any(), EventData.of(id, "OrderPlaced", data, m));

        RecordedEvent e = store.readStream(StreamId.of("order-7")).getFirst();
        assertThat(e.id()).isEqualTo(id);
        assertThat(e.type()).isEqualTo("OrderPlaced");
        assertThat(json(e.data())).isEqualTo(json(data));
        assertThat(e.metadata()).isEqualTo(m);
        assertThat(e.metadata().get("user")).isEqualTo("ana");
        assertThat(e.category()).isEqualTo("order");
    }

    @Test
    void event_ids_are_uuid_v7_when_the_caller_gives_none_and_increase() {
        store.append(StreamId.of("a"), ExpectedVersion.any(), events(5));
        List<RecordedEvent> read = store.readStream(StreamId.of("a"));
        assertThat(read).allSatisfy(e -> assertThat(e.id().version()).isEqualTo(7));
        for (int i = 1; i < read.size(); i++) {
            assertThat(read.get(i).id().compareTo(read.get(i - 1).id())).isPositive();
        }
    }

    @Test
    void a_stream_reads_forward_and_backward_from_a_version() {
        StreamId s = StreamId.of("order-2");
        store.append(s, ExpectedVersion.noStream(), events(10));

        assertThat(store.readStream(s, 4, 3, ReadDirection.FORWARD)).extracting(RecordedEvent::version)
                .containsExactly(4L, 5L, 6L);
        assertThat(store.readStream(s, 4, 3, ReadDirection.BACKWARD)).extracting(RecordedEvent::version)
                .containsExactly(4L, 3L, 2L);
        assertThat(store.readStream(s, Long.MAX_VALUE, 2, ReadDirection.BACKWARD)).extracting(RecordedEvent::version)
                .containsExactly(9L, 8L);
        assertThat(store.readStreamBackward(s, 100)).hasSize(10).first().extracting(RecordedEvent::version).isEqualTo(9L);
        assertThat(store.readStream(s, 10, 5, ReadDirection.FORWARD)).isEmpty();
    }

    @Test
    void reading_a_stream_that_never_had_events_fails_with_stream_not_found() {
        assertThatThrownBy(() -> store.readStream(StreamId.of("nope-1")))
                .isInstanceOf(StreamNotFoundException.class)
                .satisfies(e -> assertThat(((StreamNotFoundException) e).stream()).isEqualTo(StreamId.of("nope-1")));
    }

    // ---- expected versions ---------------------------------------------------------------

    @Test
    void each_expected_version_is_checked_and_a_failure_carries_expected_and_actual() {
        StreamId s = StreamId.of("acct-1");
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.streamExists(), event(0)))
                .isInstanceOfSatisfying(WrongExpectedVersionException.class, e -> {
                    assertThat(e.expected()).isEqualTo(ExpectedVersion.streamExists());
                    assertThat(e.actual()).isEqualTo(-1);
                });
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.exactly(0), event(0)))
                .isInstanceOf(WrongExpectedVersionException.class);

        store.append(s, ExpectedVersion.noStream(), events(2));
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.noStream(), event(9)))
                .isInstanceOfSatisfying(WrongExpectedVersionException.class, e -> assertThat(e.actual()).isEqualTo(1));
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.exactly(0), event(9)))
                .isInstanceOfSatisfying(WrongExpectedVersionException.class, e -> {
                    assertThat(e.expected()).isEqualTo(ExpectedVersion.exactly(0));
                    assertThat(e.actual()).isEqualTo(1);
                });

        assertThat(store.append(s, ExpectedVersion.exactly(1), event(2)).nextExpectedVersion()).isEqualTo(2);
        assertThat(store.append(s, ExpectedVersion.streamExists(), event(3)).nextExpectedVersion()).isEqualTo(3);
        assertThat(store.append(s, ExpectedVersion.any(), event(4)).nextExpectedVersion()).isEqualTo(4);
        assertThat(store.readStream(s)).hasSize(5);
        assertThat(store.headPosition()).isEqualTo(5);
    }

    // ---- idempotency and atomicity -------------------------------------------------------

    @Test
    void re_sending_an_append_with_the_same_ids_and_expected_version_writes_nothing_twice() {
        StreamId s = StreamId.of("order-3");
        List<EventData> batch = events(3);
        AppendResult first = store.append(s, ExpectedVersion.noStream(), batch);
        AppendResult again = store.append(s, ExpectedVersion.noStream(), batch);
        assertThat(again).isEqualTo(first);

        List<EventData> next = events(2);
        AppendResult second = store.append(s, ExpectedVersion.exactly(2), next);
        assertThat(store.append(s, ExpectedVersion.exactly(2), next)).isEqualTo(second);
        assertThat(store.append(s, ExpectedVersion.any(), next)).isEqualTo(second);
        assertThat(store.append(s, ExpectedVersion.streamExists(), next)).isEqualTo(second);

        assertThat(store.readStream(s)).hasSize(5);
        assertThat(store.headPosition()).isEqualTo(5);
    }

    @Test
    void re_sending_an_append_made_with_any_is_idempotent_too() {
        StreamId s = StreamId.of("cart-1");
        List<EventData> batch = events(4);
        AppendResult first = store.append(s, ExpectedVersion.any(), batch);
        store.append(s, ExpectedVersion.any(), events(1));
        assertThat(store.append(s, ExpectedVersion.any(), batch)).isEqualTo(first);
        assertThat(store.readStream(s)).hasSize(5);
    }

    @Test
    void an_append_that_only_partly_repeats_earlier_events_is_refused_whole() {
        StreamId s = StreamId.of("order-4");
        List<EventData> batch = events(2);
        store.append(s, ExpectedVersion.noStream(), batch);
        List<EventData> mixed = List.of(batch.get(1), event(7));
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), mixed)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.exactly(0), mixed))
                .isInstanceOf(WrongExpectedVersionException.class);
        assertThat(store.readStream(s)).hasSize(2);
        assertThat(store.headPosition()).isEqualTo(2);
    }

    @Test
    void a_batch_that_fails_half_way_leaves_nothing_behind() {
        EventData taken = event(1);
        store.append(StreamId.of("other-1"), ExpectedVersion.any(), taken);
        // the second event's id is already used in another stream: the write fails after the first row
        List<EventData> batch = List.of(event(10), taken, event(12));
        assertThatThrownBy(() -> store.append(StreamId.of("order-5"), ExpectedVersion.noStream(), batch))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(taken.id().toString());
        assertThatThrownBy(() -> store.readStream(StreamId.of("order-5"))).isInstanceOf(StreamNotFoundException.class);
        assertThat(store.headPosition()).isEqualTo(1);
        assertThat(readWholeLog()).hasSize(1);
        // and the store goes on as if nothing happened
        assertThat(store.append(StreamId.of("order-5"), ExpectedVersion.noStream(), events(2)).lastPosition()).isEqualTo(3);
    }

    // ---- the global log ------------------------------------------------------------------

    @Test
    void the_global_log_holds_every_stream_in_position_order_and_pages_without_gaps() {
        for (int i = 0; i < 30; i++) {
            store.append(StreamId.of("s" + (i % 7) + "-x"), ExpectedVersion.any(), events(1 + i % 3));
        }
        long head = store.headPosition();
        List<RecordedEvent> all = new ArrayList<>();
        long from = 1;
        while (true) {
            AllSlice slice = store.readAll(from, 7);
            all.addAll(slice.events());
            assertThat(slice.next()).isGreaterThan(from - 1);
            if (slice.endOfLog()) break;
            from = slice.next();
        }
        assertThat(all).extracting(RecordedEvent::position)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, head).boxed().toList());
        assertThat(store.readAll(head + 1, 10).events()).isEmpty();
        assertThat(store.readAll(head + 1, 10).endOfLog()).isTrue();
    }

    @Test
    void the_global_log_filters_by_category_and_event_type() {
        store.append(StreamId.of("order-1"), ExpectedVersion.any(), event("OrderPlaced", "{}"), event("OrderPaid", "{}"));
        store.append(StreamId.of("invoice-1"), ExpectedVersion.any(), event("InvoiceSent", "{}"));
        store.append(StreamId.of("order-2"), ExpectedVersion.any(), event("OrderPlaced", "{}"));
        store.append(StreamId.of("orderbook"), ExpectedVersion.any(), event("OrderPlaced", "{}"));

        assertThat(store.readAll(0, 100, EventFilter.categories("order")).events())
                .extracting(e -> e.stream().value()).containsExactly("order-1", "order-1", "order-2");
        assertThat(store.readAll(0, 100, EventFilter.eventTypes("OrderPlaced")).events())
                .extracting(RecordedEvent::position).containsExactly(1L, 4L, 5L);
        assertThat(store.readAll(0, 100, EventFilter.categories("order", "invoice").andEventTypes("OrderPaid", "InvoiceSent"))
                .events()).extracting(RecordedEvent::type).containsExactly("OrderPaid", "InvoiceSent");

        AllSlice page = store.readAll(0, 1, EventFilter.categories("invoice"));
        assertThat(page.events()).extracting(RecordedEvent::position).containsExactly(3L);
        AllSlice nothing = store.readAll(page.next(), 10, EventFilter.categories("invoice"));
        assertThat(nothing.events()).isEmpty();
        assertThat(nothing.endOfLog()).isTrue();
        assertThat(nothing.next()).isEqualTo(store.headPosition() + 1);
    }

    @Test
    void the_category_is_the_part_of_the_stream_name_before_the_first_dash() {
        assertThat(StreamId.of("order-123").category()).isEqualTo("order");
        assertThat(StreamId.of("order-line-9").category()).isEqualTo("order");
        assertThat(StreamId.of("settings").category()).isEqualTo("settings");
        assertThat(StreamId.of("order", 42)).isEqualTo(StreamId.of("order-42"));
    }

    // ---- deletion and stream metadata ----------------------------------------------------

    @Test
    void a_soft_deleted_stream_can_no_longer_be_read_or_appended_but_stays_in_the_global_log() {
        StreamId s = StreamId.of("order-9");
        store.append(s, ExpectedVersion.noStream(), events(2));
        assertThatThrownBy(() -> store.deleteStream(s, ExpectedVersion.exactly(0)))
                .isInstanceOf(WrongExpectedVersionException.class);
        store.deleteStream(s, ExpectedVersion.exactly(1));

        assertThatThrownBy(() -> store.readStream(s)).isInstanceOf(StreamDeletedException.class);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event(3))).isInstanceOf(StreamDeletedException.class);
        assertThatThrownBy(() -> store.deleteStream(s, ExpectedVersion.any())).isInstanceOf(StreamDeletedException.class);
        assertThat(store.streamInfo(s)).get().extracting(StreamInfo::deleted).isEqualTo(true);
        assertThat(readWholeLog()).hasSize(2);
        assertThatThrownBy(() -> store.deleteStream(StreamId.of("never-1"), ExpectedVersion.any()))
                .isInstanceOf(StreamNotFoundException.class);
    }

    @Test
    void stream_metadata_max_count_and_truncate_before_hide_old_events_on_read() {
        StreamId s = StreamId.of("sensor-1");
        store.append(s, ExpectedVersion.noStream(), events(10));
        store.setStreamMetadata(s, StreamMetadata.none().withMaxCount(3));
        assertThat(store.streamMetadata(s).maxCount()).isEqualTo(3L);
        assertThat(store.readStream(s)).extracting(RecordedEvent::version).containsExactly(7L, 8L, 9L);
        assertThat(store.readStream(s, 0, 2, ReadDirection.FORWARD)).extracting(RecordedEvent::version).containsExactly(7L, 8L);
        assertThat(store.readStreamBackward(s, 10)).extracting(RecordedEvent::version).containsExactly(9L, 8L, 7L);

        store.setStreamMetadata(s, StreamMetadata.none().withTruncateBefore(5));
        assertThat(store.readStream(s)).extracting(RecordedEvent::version).containsExactly(5L, 6L, 7L, 8L, 9L);
        assertThat(store.readStream(s, 2, 10, ReadDirection.BACKWARD)).isEmpty();

        // hidden events are still part of history
        assertThat(readWholeLog()).hasSize(10);
        store.setStreamMetadata(s, StreamMetadata.none());
        assertThat(store.readStream(s)).hasSize(10);
    }

    @Test
    void stream_metadata_max_age_hides_events_older_than_it() throws Exception {
        StreamId s = StreamId.of("ticker-1");
        store.append(s, ExpectedVersion.noStream(), events(3));
        Thread.sleep(1_200);
        store.append(s, ExpectedVersion.exactly(2), event(3));
        store.setStreamMetadata(s, StreamMetadata.none().withMaxAge(Duration.ofHours(1)));
        assertThat(store.readStream(s)).hasSize(4);
        // the first three are more than a second old, the last one much younger
        store.setStreamMetadata(s, StreamMetadata.none().withMaxAge(Duration.ofMillis(1_000)));
        assertThat(store.readStream(s)).extracting(RecordedEvent::version).containsExactly(3L);
        assertThat(readWholeLog()).hasSize(4);
    }

    @Test
    void streams_can_be_listed_in_name_order_page_by_page() {
        for (String name : List.of("b-1", "a-1", "c-1", "a-2")) {
            store.append(StreamId.of(name), ExpectedVersion.any(), events(2));
        }
        List<StreamInfo> first = store.listStreams(null, 3);
        assertThat(first).extracting(i -> i.stream().value()).containsExactly("a-1", "a-2", "b-1");
        assertThat(first.getFirst().lastVersion()).isEqualTo(1);
        assertThat(store.listStreams("b-1", 3)).extracting(i -> i.stream().value()).containsExactly("c-1");
        assertThat(store.streamInfo(StreamId.of("zzz"))).isEmpty();
    }

    // ---- bad input -----------------------------------------------------------------------

    @Test
    void bad_input_is_refused_with_a_clear_error_and_writes_nothing() {
        StreamId s = StreamId.of("order-bad");
        store.append(s, ExpectedVersion.noStream(), event(0));
        long head = store.headPosition();

        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), List.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("at least one event");
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event(1), EventData.of(null, "{}")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("events[1].type"));
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event("T", "{\"a\":")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("events[0].data"));
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event("T", "{'a':1}")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event("T", "{} {}")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event("T", "{\"a\":\"x\\u0000y\"}")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("u0000");
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), new EventData(null, "T", null, null)))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(),
                new EventData(null, "T", new byte[]{'"', (byte) 0xC3, '"'}, null)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("UTF-8");
        String big = "{\"blob\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event(2), event("Big", big)))
                .isInstanceOf(EventTooLargeException.class);
        String deep = "[".repeat(200) + "]".repeat(200);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), event("Deep", deep)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("deeper");
        EventData twice = event(3);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(), twice, twice))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> StreamId.of("order\u0007-1")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> StreamId.of("order\n-1")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> StreamId.of("")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> StreamId.of("x".repeat(StreamId.MAX_LENGTH + 1))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.readAll(-1, 10)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.readStream(s, -1, 10, ReadDirection.FORWARD)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.readAll(0, -5)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ExpectedVersion.parse("-3")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ExpectedVersion.parse("soon")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.append(s, ExpectedVersion.any(),
                EventData.of("T", "{}", Metadata.empty().with("k", "nul\u0000"))))
                .isInstanceOf(InvalidInputException.class);

        assertThat(store.headPosition()).isEqualTo(head);
        assertThat(store.readStream(s)).hasSize(1);
    }

    // ---- concurrency ---------------------------------------------------------------------

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void of_many_conflicting_appends_exactly_one_wins_each_version() throws Exception {
        StreamId s = StreamId.of("contended-1");
        int threads = 8;
        int attempts = conflictingAttemptsPerThread();
        Set<UUID> written = ConcurrentHashMap.newKeySet();
        AtomicInteger wins = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    long known = -1;
                    for (int i = 0; i < attempts; i++) {
                        EventData e = event(i);
                        ExpectedVersion expected = known < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(known);
                        try {
                            AppendResult r = store.append(s, expected, e);
                            assertThat(r.nextExpectedVersion()).isEqualTo(known + 1);
                            written.add(e.id());
                            wins.incrementAndGet();
                            known = r.nextExpectedVersion();
                        } catch (WrongExpectedVersionException conflict) {
                            assertThat(conflict.actual()).isGreaterThan(known);
                            conflicts.incrementAndGet();
                            known = conflict.actual();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get();
        }
        List<RecordedEvent> stream = store.readStream(s);
        assertThat(wins.get() + conflicts.get()).isEqualTo(threads * attempts);
        assertThat(stream).hasSize(wins.get());
        for (int v = 0; v < stream.size(); v++) {
            assertThat(stream.get(v).version()).isEqualTo(v);
        }
        assertThat(stream).extracting(RecordedEvent::id).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(written);
        assertThat(conflicts.get()).isPositive();
    }

    /** 1,000 per thread, as the contract says; a store may lower it only with a stated reason. */
    protected int conflictingAttemptsPerThread() {
        return 1000;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void concurrent_writers_and_a_following_reader_see_every_event_exactly_once_in_order() throws Exception {
        int writers = 8;
        int appendsEach = 150;
        AtomicBoolean done = new AtomicBoolean();
        Map<UUID, Long> committed = new ConcurrentHashMap<>();
        List<RecordedEvent> seen = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers + 1)) {
            Future<?> reader = pool.submit(() -> {
                long from = 1;
                boolean lastRound = false;
                while (true) {
                    boolean finished = done.get();
                    AllSlice slice = store.readAll(from, 100);
                    seen.addAll(slice.events());
                    from = slice.next();
                    if (slice.endOfLog()) {
                        if (lastRound) return null;
                        if (finished) lastRound = true;
                        else Thread.onSpinWait();
                    }
                }
            });
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < appendsEach; i++) {
                        StreamId s = StreamId.of("w" + writer + "-" + (i % 10));
                        List<EventData> batch = events(1 + rnd.nextInt(4));
                        AppendResult r = store.append(s, ExpectedVersion.any(), batch);
                        for (int k = 0; k < batch.size(); k++) committed.put(batch.get(k).id(), r.firstPosition() + k);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
            done.set(true);
            reader.get();
        }
        assertThat(seen).extracting(RecordedEvent::position)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, committed.size()).boxed().toList());
        Map<UUID, Long> seenPositions = new HashMap<>();
        for (RecordedEvent e : seen) seenPositions.put(e.id(), e.position());
        assertThat(seenPositions).isEqualTo(committed);
        // each stream's versions are dense in log order
        Map<StreamId, Long> lastVersion = new HashMap<>();
        for (RecordedEvent e : seen) {
            long expected = lastVersion.getOrDefault(e.stream(), -1L) + 1;
            assertThat(e.version()).as("version of %s", e.stream()).isEqualTo(expected);
            lastVersion.put(e.stream(), e.version());
        }
        Set<Long> distinct = new HashSet<>(seenPositions.values());
        assertThat(distinct).hasSize(committed.size());
    }
}

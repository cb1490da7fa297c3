package dev.facta.subscription;

import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a subscription to the global log promises on every store; each store module extends it. */
public abstract class SubscriptionContract {

    protected EventStore store;

    protected abstract EventStore createStore() throws Exception;

    protected void destroyStore(EventStore store) throws Exception {
        store.close();
    }

    /** How long a store without in-process wake-ups may take to notice an append. */
    protected Duration pollInterval() {
        return Duration.ofMillis(50);
    }

    @BeforeEach
    void open() throws Exception {
        store = createStore();
    }

    @AfterEach
    void close() throws Exception {
        destroyStore(store);
    }

    private static void awaitCount(List<?> list, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (list.size() < n && System.nanoTime() < deadline) Thread.sleep(5);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void a_subscriber_catches_up_then_follows_live_appends_exactly_once_in_order() throws Exception {
        for (int i = 0; i < 20; i++) {
            List<EventData> batch = new ArrayList<>();
            for (int k = 0; k < 10; k++) batch.add(EventData.of("Old", "{}"));
            store.append(StreamId.of("old-" + i), ExpectedVersion.noStream(), batch);
        }
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        try (EventSubscription sub = EventSubscription.toAll(store, 1, EventFilter.all(), seen::add, pollInterval())) {
            try (ExecutorService writers = Executors.newFixedThreadPool(4)) {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    fs.add(writers.submit(() -> {
                        for (int i = 0; i < 50; i++) {
                            store.append(StreamId.of("live-" + writer), ExpectedVersion.any(), EventData.of("New", "{}"), EventData.of("New", "{}"));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            }
            awaitCount(seen, 600);
            assertThat(sub.isLive()).isTrue();
            assertThat(sub.position()).isEqualTo(601);
        }
        List<Long> positions;
        synchronized (seen) {
            positions = seen.stream().map(RecordedEvent::position).toList();
        }
        assertThat(positions).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 600).boxed().toList());
    }

    @Test
    void a_subscription_can_start_mid_log_and_filter_by_category() throws Exception {
        store.append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("A", "{}"));
        store.append(StreamId.of("invoice-1"), ExpectedVersion.any(), EventData.of("B", "{}"));
        store.append(StreamId.of("order-2"), ExpectedVersion.any(), EventData.of("C", "{}"));
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        try (EventSubscription sub = EventSubscription.toAll(store, 2, EventFilter.categories("order"), seen::add, pollInterval())) {
            store.append(StreamId.of("order-3"), ExpectedVersion.any(), EventData.of("D", "{}"));
            store.append(StreamId.of("invoice-2"), ExpectedVersion.any(), EventData.of("E", "{}"));
            awaitCount(seen, 2);
            Thread.sleep(150); // a moment for a wrongly delivered event to show up
            assertThat(sub.position()).isGreaterThan(4);
        }
        assertThat(seen).extracting(RecordedEvent::type).containsExactly("C", "D");
    }

    @Test
    void a_failing_handler_stops_the_subscription_where_it_failed() throws Exception {
        store.append(StreamId.of("s-1"), ExpectedVersion.any(), EventData.of("Ok", "{}"), EventData.of("Bad", "{}"), EventData.of("Ok", "{}"));
        try (EventSubscription sub = EventSubscription.toAll(store, 1, EventFilter.all(), e -> {
            if (e.type().equals("Bad")) throw new IllegalStateException("cannot handle " + e.position());
        }, pollInterval())) {
            assertThatThrownBy(() -> sub.done().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("cannot handle 2");
            assertThat(sub.position()).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ one stream

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void a_stream_subscriber_catches_up_then_follows_its_stream_exactly_once_in_version_order() throws Exception {
        StreamId order = StreamId.of("order-1");
        for (int i = 0; i < 3; i++) {
            List<EventData> batch = new ArrayList<>();
            for (int k = 0; k < 200; k++) batch.add(EventData.of("Old", "{}"));
            store.append(order, ExpectedVersion.any(), batch); // more than one page
            store.append(StreamId.of("order-2"), ExpectedVersion.any(), EventData.of("Noise", "{}"));
        }
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        try (EventSubscription sub = EventSubscription.toStream(store, order, 0, seen::add, pollInterval())) {
            try (ExecutorService writers = Executors.newFixedThreadPool(3)) {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    int writer = w;
                    fs.add(writers.submit(() -> {
                        for (int i = 0; i < 40; i++) {
                            store.append(order, ExpectedVersion.any(), EventData.of("New", "{}"));
                            store.append(StreamId.of("order-" + (3 + writer)), ExpectedVersion.any(), EventData.of("Noise", "{}"));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            }
            awaitCount(seen, 720);
            assertThat(sub.isLive()).isTrue();
            assertThat(sub.position()).as("the next version").isEqualTo(720);
        }
        List<Long> versions;
        synchronized (seen) {
            versions = seen.stream().map(RecordedEvent::version).toList();
        }
        assertThat(versions).containsExactlyElementsOf(LongStream.range(0, 720).boxed().toList());
        assertThat(seen).allSatisfy(e -> assertThat(e.stream()).isEqualTo(order));
    }

    @Test
    void a_stream_subscription_starts_at_the_given_version_and_waits_for_a_stream_that_does_not_exist_yet() throws Exception {
        StreamId later = StreamId.of("later-1");
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        try (EventSubscription sub = EventSubscription.toStream(store, later, 2, seen::add, pollInterval())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!sub.isLive() && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(sub.isLive()).isTrue();
            assertThat(sub.done()).isNotDone();
            store.append(StreamId.of("later-2"), ExpectedVersion.any(), EventData.of("Other", "{}"));
            store.append(later, ExpectedVersion.noStream(), EventData.of("A", "{}"), EventData.of("B", "{}"), EventData.of("C", "{}"));
            store.append(later, ExpectedVersion.any(), EventData.of("D", "{}"));
            awaitCount(seen, 2);
            Thread.sleep(150); // a moment for a wrongly delivered event to show up
            assertThat(sub.position()).isEqualTo(4);
        }
        assertThat(seen).extracting(RecordedEvent::type).containsExactly("C", "D");
    }

    @Test
    void a_stream_subscription_ends_with_StreamDeletedException_when_its_stream_is_deleted() throws Exception {
        StreamId doomed = StreamId.of("doomed-1");
        store.append(doomed, ExpectedVersion.any(), EventData.of("A", "{}"));
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        // a short poll: a deletion is not an append, so nothing else needs to wake the subscriber
        try (EventSubscription sub = EventSubscription.toStream(store, doomed, 0, seen::add, Duration.ofMillis(50))) {
            awaitCount(seen, 1);
            store.deleteStream(doomed, ExpectedVersion.any());
            assertThatThrownBy(() -> sub.done().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(StreamDeletedException.class);
            assertThat(sub.position()).isEqualTo(1);
        }
        try (EventSubscription again = EventSubscription.toStream(store, doomed, 0, seen::add, Duration.ofMillis(50))) {
            assertThatThrownBy(() -> again.done().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(StreamDeletedException.class);
        }
        assertThat(seen).hasSize(1);
    }

    // ------------------------------------------------------------------ one category

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void a_category_subscriber_sees_every_event_of_the_category_once_in_position_order() throws Exception {
        for (int i = 0; i < 30; i++) {
            store.append(StreamId.of("order-" + i % 4), ExpectedVersion.any(), EventData.of("Placed", "{}"));
            store.append(StreamId.of("invoice-" + i % 4), ExpectedVersion.any(), EventData.of("Billed", "{}"));
            store.append(StreamId.of("orders"), ExpectedVersion.any(), EventData.of("NotTheCategory", "{}"));
        }
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        try (EventSubscription sub = EventSubscription.toCategory(store, "order", 1, seen::add, pollInterval())) {
            try (ExecutorService writers = Executors.newFixedThreadPool(3)) {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    int writer = w;
                    fs.add(writers.submit(() -> {
                        for (int i = 0; i < 30; i++) {
                            store.append(StreamId.of("order-" + (10 + writer)), ExpectedVersion.any(), EventData.of("Placed", "{}"));
                            store.append(StreamId.of("invoice-" + writer), ExpectedVersion.any(), EventData.of("Billed", "{}"));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            }
            awaitCount(seen, 120);
            Thread.sleep(150); // a moment for a wrongly delivered event to show up
            assertThat(sub.position()).isEqualTo(store.headPosition() + 1);
        }
        List<Long> expected = new ArrayList<>();
        for (var slice = store.readAll(1, EventStoreMax.PAGE); ; slice = store.readAll(slice.next(), EventStoreMax.PAGE)) {
            for (RecordedEvent e : slice.events()) if (e.stream().category().equals("order")) expected.add(e.position());
            if (slice.endOfLog()) break;
        }
        List<Long> positions;
        synchronized (seen) {
            positions = seen.stream().map(RecordedEvent::position).toList();
        }
        assertThat(positions).hasSize(120).containsExactlyElementsOf(expected);
    }

    private static final class EventStoreMax {
        static final int PAGE = 1000;
    }
}

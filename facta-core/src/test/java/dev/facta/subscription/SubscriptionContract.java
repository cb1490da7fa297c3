package dev.facta.subscription;

import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
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
}

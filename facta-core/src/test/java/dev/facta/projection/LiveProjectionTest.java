package dev.facta.projection;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LiveProjectionTest {
    private final EventStore events = new InMemoryEventStore();

    private void append(String stream, String type, int n) {
        List<EventData> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) batch.add(EventData.of(type, "{}"));
        events.append(StreamId.of(stream), ExpectedVersion.any(), batch);
    }

    private static final LiveProjection<Long> COUNT = LiveProjection.of(0L, (n, e) -> n + 1);

    @Test
    void it_folds_the_whole_log_page_by_page_up_to_the_head() {
        for (int i = 0; i < 3; i++) append("order-" + i, "Placed", EventStore.MAX_READ / 2 + 7);
        append("invoice-1", "Billed", 5);
        assertThat(COUNT.run(events)).isEqualTo(3L * (EventStore.MAX_READ / 2 + 7) + 5);
        assertThat(COUNT.filter(EventFilter.categories("invoice")).run(events)).isEqualTo(5);
        assertThat(COUNT.filter(EventFilter.eventTypes("Nothing")).run(events)).isZero();
        assertThat(COUNT.run(new InMemoryEventStore())).isZero();
    }

    @Test
    void it_travels_back_to_the_log_as_it_was_at_a_position() {
        append("order-1", "Placed", 10);
        append("invoice-1", "Billed", 10);
        append("order-2", "Placed", 10);
        LiveProjection<List<Long>> positions = LiveProjection.<List<Long>>of(List.of(), (l, e) -> {
            List<Long> next = new ArrayList<>(l);
            next.add(e.position());
            return next;
        }).filter(EventFilter.categories("order"));
        assertThat(positions.runUntil(events, 15)).hasSize(10).last().isEqualTo(10L);
        assertThat(positions.runUntil(events, 25)).hasSize(15).last().isEqualTo(25L);
        assertThat(positions.runUntil(events, 0)).isEmpty();
        assertThat(positions.runUntil(events, 1_000)).hasSize(20);
        assertThatThrownBy(() -> COUNT.runUntil(events, -1)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void it_folds_one_stream_whole_or_up_to_a_version() {
        append("order-1", "Placed", 3);
        append("order-2", "Placed", 4);
        append("order-1", "Shipped", EventStore.MAX_READ / 2 + 1);
        append("order-1", "Shipped", EventStore.MAX_READ / 2 + 1); // more than one page
        StreamId order = StreamId.of("order-1");
        assertThat(COUNT.runStream(events, order)).isEqualTo(3L + EventStore.MAX_READ + 2);
        assertThat(COUNT.runStreamUntil(events, order, 4)).isEqualTo(5);
        assertThat(COUNT.filter(EventFilter.eventTypes("Placed")).runStream(events, order)).isEqualTo(3);
        assertThatThrownBy(() -> COUNT.runStream(events, StreamId.of("order-9"))).isInstanceOf(StreamNotFoundException.class);
        assertThatThrownBy(() -> COUNT.runStreamUntil(events, order, -1)).isInstanceOf(InvalidInputException.class);
    }
}

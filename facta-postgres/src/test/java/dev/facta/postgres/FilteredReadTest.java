package dev.facta.postgres;

import dev.facta.store.AllSlice;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Filtered reads of the global log look at a bounded window per call and never miss a match. */
class FilteredReadTest {
    private String schema;
    private PostgresEventStore store;

    @BeforeEach
    void open() {
        schema = PostgresTestDatabase.newSchema("facta_filter");
        store = PostgresTestDatabase.storeBuilder(schema).build();
    }

    @AfterEach
    void close() {
        store.close();
        PostgresTestDatabase.dropSchema(schema);
    }

    @Test
    void a_rare_category_is_found_across_windows_of_unrelated_events() {
        store.append(StreamId.of("order-1"), ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{}"));
        int noise = PostgresEventStore.FILTER_WINDOW * 2 + 500;
        for (int i = 0; i < noise; i += 1000) {
            List<EventData> batch = new ArrayList<>();
            for (int k = 0; k < 1000; k++) batch.add(EventData.of("Tick", "{}"));
            store.append(StreamId.of("tick-" + i), ExpectedVersion.noStream(), batch);
        }
        store.append(StreamId.of("order-2"), ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{}"));
        long head = store.headPosition();

        List<RecordedEvent> found = new ArrayList<>();
        long from = 0;
        int reads = 0;
        while (true) {
            AllSlice slice = store.readAll(from, 100, EventFilter.categories("order"));
            reads++;
            found.addAll(slice.events());
            assertThat(slice.next()).isGreaterThan(from);
            assertThat(slice.next() - Math.max(from, 1)).isLessThanOrEqualTo(PostgresEventStore.FILTER_WINDOW);
            from = slice.next();
            if (slice.endOfLog()) break;
        }
        assertThat(found).extracting(e -> e.stream().value()).containsExactly("order-1", "order-2");
        assertThat(found.getLast().position()).isEqualTo(head);
        assertThat(reads).isBetween(3, 5);
        assertThat(from).isEqualTo(head + 1);
    }
}

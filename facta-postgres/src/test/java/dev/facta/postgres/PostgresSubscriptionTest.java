package dev.facta.postgres;

import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.subscription.EventSubscription;
import dev.facta.subscription.SubscriptionContract;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresSubscriptionTest extends SubscriptionContract {
    private String schema;

    @Override
    protected EventStore createStore() {
        schema = PostgresTestDatabase.newSchema("facta_sub");
        return PostgresTestDatabase.storeBuilder(schema).build();
    }

    @Override
    protected void destroyStore(EventStore store) {
        store.close();
        PostgresTestDatabase.dropSchema(schema);
    }

    @Override
    protected Duration pollInterval() {
        return Duration.ofSeconds(30); // LISTEN/NOTIFY must do the waking
    }

    @Test
    void appends_by_another_instance_wake_the_subscriber_through_listen_notify() throws Exception {
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        try (PostgresEventStore other = PostgresTestDatabase.storeBuilder(schema).build();
             EventSubscription sub = EventSubscription.toAll(store, 1, EventFilter.all(), seen::add, Duration.ofSeconds(30))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!sub.isLive() && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(300); // the listener connection is up
            other.append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("Placed", "{}"));
            other.append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("Paid", "{}"));
            while (seen.size() < 2 && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(System.nanoTime()).as("woken well before the 30 s poll").isLessThan(deadline);
        }
        assertThat(seen).extracting(RecordedEvent::type).containsExactly("Placed", "Paid");
    }
}

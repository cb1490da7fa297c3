package dev.facta.observability;

import dev.facta.command.CommandBus;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsTest {
    record Ping(boolean fail) {}

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void commands_are_counted_and_timed_by_type_and_outcome() {
        try (CommandBus bus = CommandBus.builder()
                .use(new MetricsMiddleware(registry))
                .register(Ping.class, c -> {
                    if (c.payload().fail()) throw new IllegalArgumentException("no");
                    return "pong";
                })
                .build()) {
            bus.dispatch(new Ping(false));
            bus.dispatch(new Ping(false));
            assertThatThrownBy(() -> bus.dispatch(new Ping(true))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(registry.get(MetricsMiddleware.COUNT)
                .tags("command", "Ping", "outcome", "success", "exception", "none").counter().count()).isEqualTo(2.0);
        assertThat(registry.get(MetricsMiddleware.COUNT)
                .tags("command", "Ping", "outcome", "failure", "exception", "IllegalArgumentException").counter().count())
                .isEqualTo(1.0);
        var timer = registry.get(MetricsMiddleware.DURATION).tags("command", "Ping", "outcome", "success").timer();
        assertThat(timer.count()).isEqualTo(2);
        assertThat(timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
    }

    @Test
    void the_metered_store_records_appends_events_and_reads() {
        try (var store = new MeteredEventStore(new InMemoryEventStore(), registry, "mem")) {
            StreamId s = StreamId.of("order", "1");
            store.append(s, ExpectedVersion.noStream(), EventData.of("A", "{}"), EventData.of("B", "{}"));
            store.append(s, ExpectedVersion.exactly(1), EventData.of("C", "{}"));
            assertThatThrownBy(() -> store.append(s, ExpectedVersion.noStream(), EventData.of("D", "{}")))
                    .isInstanceOf(WrongExpectedVersionException.class);
            assertThat(store.readStream(s)).hasSize(3);
            assertThat(store.readAll(1, 10).events()).hasSize(3);

            assertThat(registry.get(MeteredEventStore.APPENDS).tags("store", "mem", "outcome", "success").counter().count())
                    .isEqualTo(2.0);
            assertThat(registry.get(MeteredEventStore.APPENDS)
                    .tags("outcome", "failure", "exception", "WrongExpectedVersionException").counter().count()).isEqualTo(1.0);
            assertThat(registry.get(MeteredEventStore.EVENTS_APPENDED).counter().count()).isEqualTo(3.0);
            assertThat(registry.get(MeteredEventStore.APPEND_DURATION).tags("outcome", "success").timer().count()).isEqualTo(2);
            assertThat(registry.get(MeteredEventStore.READ_DURATION).tags("operation", "readStream").timer().count()).isEqualTo(1);
            assertThat(registry.get(MeteredEventStore.READ_DURATION).tags("operation", "readAll").timer().count()).isEqualTo(1);
            assertThat(registry.get(MeteredEventStore.EVENTS_READ).tags("operation", "readAll").counter().count()).isEqualTo(3.0);
        }
    }

    record Lookup(String id) {
    }

    @org.junit.jupiter.api.Test
    void queries_are_counted_and_timed_by_type_and_outcome() {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (var bus = dev.facta.query.QueryBus.builder().intercept(new QueryMetrics(registry))
                .register(Lookup.class, q -> {
                    if (q.id().isEmpty()) throw new IllegalArgumentException("empty id");
                    return q.id().length();
                }).build()) {
            bus.query(new Lookup("abc"));
            bus.query(new Lookup("de"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> bus.query(new Lookup("")));
        }
        org.assertj.core.api.Assertions.assertThat(registry.get("facta.queries").tags("query", "Lookup", "outcome", "success").counter().count()).isEqualTo(2.0);
        org.assertj.core.api.Assertions.assertThat(registry.get("facta.queries").tags("outcome", "failure", "exception", "IllegalArgumentException").counter().count()).isEqualTo(1.0);
        org.assertj.core.api.Assertions.assertThat(registry.get("facta.query.duration").tags("outcome", "success").timer().count()).isEqualTo(2);
    }
}

package dev.facta.observability;

import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProjectionMetricsTest {

    /** Refuses events typed "Bad", so that one is parked. */
    static final class Counting implements Projection {
        @Override
        public String name() {
            return "counting";
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            if (event.type().equals("Bad")) throw new IllegalStateException("bad event");
        }
    }

    @Test
    void events_handled_are_counted_and_lag_and_dead_letters_are_gauged() throws Exception {
        InMemoryEventStore events = new InMemoryEventStore();
        for (int i = 0; i < 10; i++) events.append(StreamId.of("order-" + i), ExpectedVersion.noStream(), EventData.of("Placed", "{}"));
        events.append(StreamId.of("order-x"), ExpectedVersion.noStream(), EventData.of("Bad", "{}"));
        InMemoryProjectionStore store = new InMemoryProjectionStore();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        ProjectionEngine engine = ProjectionEngine.builder(events, store)
                .register(MeteredProjection.wrap(registry, new Counting()), ProjectionOptions.builder().maxAttempts(1)
                        .backoff(Duration.ofMillis(1), Duration.ofMillis(1)).onFailure(OnFailure.SKIP).build())
                .pollInterval(Duration.ofMillis(20)).build();
        try (ProjectionLagMetrics lag = ProjectionLagMetrics.bind(registry, events, store, Duration.ofHours(1))) {
            // registered but not started: the whole log is lag
            store.register(new dev.facta.projection.ProjectionKey("counting", 1), 1);
            lag.refresh();
            assertThat(registry.get(ProjectionLagMetrics.LAG_EVENTS).tag("projection", "counting").gauge().value()).isEqualTo(11.0);

            engine.start();
            assertThat(engine.awaitCaughtUp("counting", Duration.ofSeconds(20))).isTrue();
            engine.close();
            lag.refresh();
            assertThat(registry.get(ProjectionLagMetrics.LAG_EVENTS).tag("projection", "counting").gauge().value()).isZero();
            assertThat(registry.get(ProjectionLagMetrics.LAG_SECONDS).tag("projection", "counting").gauge().value()).isZero();
            assertThat(registry.get(ProjectionLagMetrics.PARKED).tag("projection", "counting").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get(ProjectionLagMetrics.STOPPED).tag("projection", "counting").gauge().value()).isZero();
        }
        double ok = registry.get(MeteredProjection.EVENTS_HANDLED).tags("projection", "counting", "outcome", "success").counter().count();
        double failed = registry.get(MeteredProjection.EVENTS_HANDLED).tags("projection", "counting", "outcome", "failure").counter().count();
        assertThat(ok).as("every good event applied in a committed batch").isGreaterThanOrEqualTo(10);
        assertThat(failed).as("the bad event's batches failed").isPositive();
        assertThat(registry.get(MeteredProjection.BATCH_DURATION).tags("projection", "counting", "outcome", "success").timer().count()).isPositive();
    }
}

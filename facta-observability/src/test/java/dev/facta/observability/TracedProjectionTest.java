package dev.facta.observability;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A trace a command starts is continued by the projection that applies its events, on the engine's threads. */
class TracedProjectionTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();

    record Place(String orderId) {
    }

    static final class Orders implements Projection {
        @Override
        public String name() {
            return "orders";
        }

        @Override
        public Set<String> collections() {
            return Set.of("orders");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            if (event.type().equals("Broken")) throw new IllegalStateException("cannot apply " + event.type());
            context.collection("orders", DocumentCodec.json()).put(event.stream().value(), "{\"status\":\"placed\"}");
        }
    }

    @Test
    void the_projection_continues_the_trace_of_the_command_whose_events_it_applies() throws Exception {
        InMemoryEventStore raw = new InMemoryEventStore();
        TracedEventStore store = new TracedEventStore(raw, otel);
        CommandBus bus = CommandBus.builder().use(new TracingMiddleware(otel))
                .register(Place.class, c -> store.append(StreamId.of("order", c.payload().orderId()), ExpectedVersion.noStream(),
                        EventData.of(c.payload().orderId().equals("2") ? "Broken" : "OrderPlaced", "{}", c.eventMetadata())))
                .build();
        bus.dispatch(CommandMessage.of(new Place("1")));
        bus.dispatch(CommandMessage.of(new Place("2")));

        InMemoryProjectionStore projections = new InMemoryProjectionStore();
        try (ProjectionEngine engine = ProjectionEngine.builder(raw, projections)
                .register(TracedProjection.wrap(otel, new Orders()), ProjectionOptions.builder().maxAttempts(1)
                        .backoff(Duration.ofMillis(1), Duration.ofMillis(1)).onFailure(OnFailure.SKIP).build())
                .pollInterval(Duration.ofMillis(20))
                .build().start()) {
            assertThat(engine.awaitCaughtUp("orders", Duration.ofSeconds(20))).isTrue();
            assertThat(engine.readModel("orders", "orders", DocumentCodec.json()).get("order-1")).isPresent();
            assertThat(engine.deadLetters("orders")).hasSize(1);
        }

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData command = spans.stream().filter(s -> s.getName().equals("command Place")).findFirst().orElseThrow();
        SpanData append = spans.stream().filter(s -> s.getName().equals("append order")
                && s.getTraceId().equals(command.getTraceId())).findFirst().orElseThrow();
        SpanData projected = spans.stream().filter(s -> s.getName().equals("project orders OrderPlaced")).findFirst().orElseThrow();
        assertThat(projected.getTraceId()).isEqualTo(command.getTraceId());
        assertThat(projected.getParentSpanId()).isEqualTo(append.getSpanId());
        assertThat(projected.getAttributes().asMap().toString()).contains("order-1").contains("facta.projection=orders");

        // the failing event's spans carry the error and belong to the second command's trace
        List<SpanData> failed = spans.stream().filter(s -> s.getName().equals("project orders Broken")).toList();
        assertThat(failed).isNotEmpty().allSatisfy(s -> {
            assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(s.getTraceId()).isNotEqualTo(command.getTraceId());
        });
    }
}

package dev.facta.observability;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TracedEventStoreTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();

    record Ship(String orderId) {
    }

    @Test
    void events_appended_while_handling_a_command_carry_its_trace_to_whoever_handles_them() {
        InMemoryEventStore raw = new InMemoryEventStore();
        TracedEventStore store = new TracedEventStore(raw, otel);
        CommandBus bus = CommandBus.builder().use(new TracingMiddleware(otel))
                .register(Ship.class, c -> store.append(StreamId.of("order", c.payload().orderId()), ExpectedVersion.any(),
                        EventData.of("OrderShipped", "{}", c.eventMetadata())))
                .build();
        bus.dispatch(CommandMessage.of(new Ship("7")));

        RecordedEvent stored = raw.readStream(StreamId.of("order-7")).getFirst();
        assertThat(TraceContext.isPresent(stored.metadata())).isTrue();

        TracedEventHandler.wrap(otel, "shipping-email", (RecordedEvent e) -> { }).accept(stored);

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData command = spans.stream().filter(s -> s.getName().equals("command Ship")).findFirst().orElseThrow();
        SpanData append = spans.stream().filter(s -> s.getName().equals("append order")).findFirst().orElseThrow();
        SpanData handler = spans.stream().filter(s -> s.getName().startsWith("shipping-email")).findFirst().orElseThrow();
        assertThat(append.getParentSpanId()).isEqualTo(command.getSpanId());
        assertThat(handler.getParentSpanId()).isEqualTo(append.getSpanId());
        assertThat(List.of(append.getTraceId(), handler.getTraceId())).containsOnly(command.getTraceId());
        assertThat(append.getAttributes().asMap().toString()).contains("order-7");
    }

    @Test
    void reads_run_in_spans_that_say_what_they_read_and_record_failures() {
        InMemoryEventStore raw = new InMemoryEventStore();
        TracedEventStore store = new TracedEventStore(raw, otel);
        store.append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("OrderPlaced", "{}"), EventData.of("OrderPaid", "{}"));

        assertThat(store.readStream(StreamId.of("order-1"))).hasSize(2);
        assertThat(store.readAll(1, 10).events()).hasSize(2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.readStream(StreamId.of("order-2")))
                .isInstanceOf(dev.facta.store.StreamNotFoundException.class);

        List<SpanData> reads = exporter.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("read ")).toList();
        assertThat(reads).extracting(SpanData::getName).containsExactly("read order", "read $all", "read order");
        assertThat(reads.get(0).getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("facta.events"))).isEqualTo(2L);
        assertThat(reads.get(1).getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("facta.events"))).isEqualTo(2L);
        assertThat(reads.get(2).getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
    }
}

package dev.facta.observability;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.command.CorrelationMiddleware;
import dev.facta.eventbus.EventBus;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TracingTest {
    record PlaceOrder(String orderId) {}
    record Explode() {}

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();
    private final InMemoryEventStore store = new InMemoryEventStore();

    @AfterEach
    void close() {
        otel.close();
        store.close();
    }

    private CommandBus bus() {
        return CommandBus.builder()
                .use(new CorrelationMiddleware(), new TracingMiddleware(otel))
                .register(PlaceOrder.class, (CommandMessage<PlaceOrder> c) -> {
                    Metadata meta = TraceContext.inject(c.eventMetadata());
                    store.append(StreamId.of("order", c.payload().orderId()), ExpectedVersion.noStream(),
                            EventData.of("OrderPlaced", "{\"id\":\"" + c.payload().orderId() + "\"}", meta),
                            EventData.of("OrderConfirmed", "{}", meta));
                    return c.payload().orderId();
                })
                .register(Explode.class, c -> {
                    throw new IllegalStateException("boom");
                })
                .build();
    }

    @Test
    void event_handlers_continue_the_trace_started_by_the_command() throws Exception {
        try (CommandBus bus = bus(); EventBus events = new EventBus()) {
            CountDownLatch handled = new CountDownLatch(4);
            events.subscribe(RecordedEvent.class, TracedEventHandler.wrap(otel, "projection", e -> handled.countDown()));
            events.subscribeAsync(RecordedEvent.class, TracedEventHandler.wrap(otel, "saga", e -> handled.countDown()));

            CommandMessage<PlaceOrder> cmd = CommandMessage.of(new PlaceOrder("o-1"))
                    .withMetadata(Metadata.empty().withCorrelationId("corr-42"));
            bus.dispatch(cmd);

            // read back from the store: the trace context travels in the stored metadata only
            List<RecordedEvent> appended = store.readAll(1, 100).events();
            assertThat(appended).hasSize(2)
                    .allSatisfy(e -> assertThat(e.metadata().values()).containsKey(TraceContext.TRACEPARENT));
            events.publishAll(appended);
            assertThat(handled.await(5, TimeUnit.SECONDS)).isTrue();
        }
        // the async subscriber ends its span after counting down
        List<SpanData> spans = waitForSpans(5);
        SpanData command = spans.stream().filter(s -> s.getName().equals("command PlaceOrder")).findFirst().orElseThrow();
        assertThat(command.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(command.getAttributes().get(AttributeKey.stringKey(TracingMiddleware.CORRELATION_ID))).isEqualTo("corr-42");
        assertThat(command.getAttributes().get(AttributeKey.stringKey(TracingMiddleware.COMMAND_ID))).isNotBlank();

        List<SpanData> handlers = spans.stream().filter(s -> s.getKind() == SpanKind.CONSUMER).toList();
        assertThat(handlers).hasSize(4)
                .extracting(SpanData::getName)
                .containsExactlyInAnyOrder("projection OrderPlaced", "projection OrderConfirmed",
                        "saga OrderPlaced", "saga OrderConfirmed");
        assertThat(handlers).allSatisfy(h -> {
            assertThat(h.getTraceId()).isEqualTo(command.getTraceId());
            assertThat(h.getParentSpanId()).isEqualTo(command.getSpanId());
            assertThat(h.getAttributes().get(AttributeKey.stringKey(TracingMiddleware.CORRELATION_ID))).isEqualTo("corr-42");
        });
    }

    @Test
    void a_failing_command_records_the_error_on_its_span() {
        try (CommandBus bus = bus()) {
            assertThatThrownBy(() -> bus.dispatch(new Explode())).isInstanceOf(IllegalStateException.class);
        }
        SpanData span = exporter.getFinishedSpanItems().getFirst();
        assertThat(span.getName()).isEqualTo("command Explode");
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    }

    @Test
    void a_command_carrying_a_trace_context_continues_it() {
        var parent = otel.getTracer("test").spanBuilder("upstream").startSpan();
        Metadata carried;
        try (var ignored = parent.makeCurrent()) {
            carried = TraceContext.inject(Metadata.empty());
        } finally {
            parent.end();
        }
        try (CommandBus bus = bus()) {
            bus.dispatch(CommandMessage.of(new PlaceOrder("o-2")).withMetadata(carried));
        }
        SpanData command = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("command PlaceOrder")).findFirst().orElseThrow();
        assertThat(command.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
        assertThat(command.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    }

    @Test
    void inject_without_a_span_leaves_metadata_alone_and_extract_round_trips() {
        Metadata m = Metadata.empty().withCorrelationId("c").with("k", "v");
        assertThat(TraceContext.inject(m)).isEqualTo(m);
        assertThat(TraceContext.isPresent(m)).isFalse();

        var span = otel.getTracer("test").spanBuilder("s").startSpan();
        try (var ignored = span.makeCurrent()) {
            Metadata stamped = TraceContext.inject(m);
            assertThat(stamped.correlationId()).isEqualTo("c");
            assertThat(stamped.values()).containsEntry("k", "v").containsKey("traceparent");
            var extracted = io.opentelemetry.api.trace.Span.fromContext(TraceContext.extract(stamped)).getSpanContext();
            assertThat(extracted.getTraceId()).isEqualTo(span.getSpanContext().getTraceId());
            assertThat(extracted.getSpanId()).isEqualTo(span.getSpanContext().getSpanId());
            assertThat(extracted.isRemote()).isTrue();
        } finally {
            span.end();
        }
    }

    private List<SpanData> waitForSpans(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (exporter.getFinishedSpanItems().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return exporter.getFinishedSpanItems();
    }
}

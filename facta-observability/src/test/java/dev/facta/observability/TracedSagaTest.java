package dev.facta.observability;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.saga.CommandCodec;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.SagaRuntime;
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

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A trace a command starts goes on through the append into the process manager that reacts to
 * its event, and into the command that process manager issues, dispatched later on the saga
 * runtime's own thread.
 */
class TracedSagaTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();

    record Place(String orderId) {
    }

    record Ship(String orderId) {
    }

    /** The only command the process manager issues, kept as {"orderId":"..."}. */
    static final CommandCodec SHIP_CODEC = new CommandCodec() {
        @Override
        public Encoded encode(Object command) {
            return new Encoded("Ship", "{\"orderId\":\"" + ((Ship) command).orderId() + "\"}");
        }

        @Override
        public Object decode(String type, String json) {
            return new Ship(json.replaceAll(".*\"orderId\":\"([^\"]*)\".*", "$1"));
        }
    };

    private static String orderId(RecordedEvent e) {
        return e.stream().value().substring("order-".length());
    }

    @Test
    void the_command_a_process_manager_issues_continues_the_trace_of_the_event_that_caused_it() throws Exception {
        InMemoryEventStore raw = new InMemoryEventStore();
        TracedEventStore store = new TracedEventStore(raw, otel);
        CountDownLatch shipped = new CountDownLatch(1);
        CommandBus bus = CommandBus.builder().use(new TracingMiddleware(otel))
                .register(Place.class, c -> store.append(StreamId.of("order", c.payload().orderId()), ExpectedVersion.noStream(),
                        EventData.of("OrderPlaced", "{}", c.eventMetadata())))
                .register(Ship.class, c -> {
                    shipped.countDown();
                    return null;
                })
                .build();

        ProcessManager<String> fulfilment = ProcessManager.builder("fulfilment", DocumentCodec.json())
                .startedBy("OrderPlaced", TracedSagaTest::orderId, (e, ctx) -> {
                    ctx.send(new Ship(orderId(e)));
                    return "{\"state\":\"shipping\"}";
                })
                .build();
        try (SagaRuntime runtime = SagaRuntime.builder(raw, new InMemoryProjectionStore(), bus)
                .commandCodec(SHIP_CODEC).pollInterval(Duration.ofMillis(20))
                .register(fulfilment)
                .build().start()) {
            bus.dispatch(CommandMessage.of(new Place("7")));
            assertThat(shipped.await(20, TimeUnit.SECONDS)).as("the process manager issued Ship").isTrue();
        }

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData place = spans.stream().filter(s -> s.getName().equals("command Place")).findFirst().orElseThrow();
        SpanData append = spans.stream().filter(s -> s.getName().equals("append order")).findFirst().orElseThrow();
        SpanData ship = spans.stream().filter(s -> s.getName().equals("command Ship")).findFirst().orElseThrow();
        assertThat(append.getTraceId()).isEqualTo(place.getTraceId());
        assertThat(ship.getTraceId()).as("the saga's command continues the trace").isEqualTo(place.getTraceId());
        assertThat(ship.getParentSpanId()).isEqualTo(append.getSpanId());
    }
}

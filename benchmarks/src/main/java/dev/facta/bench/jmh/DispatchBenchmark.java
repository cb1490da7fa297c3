package dev.facta.bench.jmh;

import dev.facta.aggregate.RetryPolicy;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandHandler;
import dev.facta.command.CommandMessage;
import dev.facta.command.CorrelationMiddleware;
import dev.facta.command.IdempotencyMiddleware;
import dev.facta.command.InMemoryIdempotencyStore;
import dev.facta.command.LoggingMiddleware;
import dev.facta.command.RetryMiddleware;
import dev.facta.command.ValidationMiddleware;
import dev.facta.observability.MetricsMiddleware;
import dev.facta.observability.TraceContext;
import dev.facta.observability.TracingMiddleware;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Dispatch overhead of the command bus: the same handler (it appends one event to an in-memory
 * store) called directly, through a bus without middleware, through the full core pipeline
 * (validation, correlation, idempotency with a fresh key per command, retry, logging), and through
 * that pipeline plus metrics and tracing (an OpenTelemetry SDK tracer that samples every span and
 * exports nowhere, a Micrometer SimpleMeterRegistry).
 *
 * <p>Run (see docs/observability.md):
 * <pre>
 * ./mvnw -q -B -o install -pl benchmarks -DskipTests
 * ./mvnw -q -B -o dependency:build-classpath -pl benchmarks -Dmdep.outputFile=/tmp/bench.cp
 * java -cp benchmarks/target/classes:$(cat /tmp/bench.cp) dev.facta.bench.jmh.DispatchBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBenchmark {

    public record PlaceOrder(String orderId, int quantity) implements dev.facta.command.Validatable {
        @Override
        public void validate() {
            if (quantity <= 0) throw new IllegalArgumentException("quantity must be positive");
        }
    }

    private static final StreamId STREAM = StreamId.of("order", "bench");
    private static final String JSON = "{\"orderId\":\"o-1\",\"quantity\":1}";

    private InMemoryEventStore store;
    private CommandHandler<PlaceOrder, Long> handler;
    private CommandBus bare;
    private CommandBus pipeline;
    private CommandBus observed;
    private CommandBus keyed;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final int REFRESH = 1024;
    private OpenTelemetrySdk otel;
    private long key;
    private final PlaceOrder command = new PlaceOrder("o-1", 1);

    private long ops;

    @Setup(Level.Trial)
    public void startTelemetry() {
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().build()).build();
    }

    @TearDown(Level.Trial)
    public void stopTelemetry() {
        otel.close();
    }

    @Setup(Level.Iteration)
    public void setUp() {
        fresh();
    }

    /**
     * A fresh event store, idempotency stores and buses every {@value #REFRESH} commands (the same
     * for every benchmark): the stores would otherwise grow for the whole run, and the cost of a
     * growing heap, or of {@code InMemoryIdempotencyStore} sweeping all its entries on every
     * command, would swamp the dispatch overhead this measures.
     */
    private void fresh() {
        if (bare != null) tearDown();
        store = new InMemoryEventStore();
        handler = c -> store.append(STREAM, ExpectedVersion.any(),
                EventData.of("OrderPlaced", JSON, TraceContext.inject(c.eventMetadata()))).nextExpectedVersion();
        bare = CommandBus.builder().register(PlaceOrder.class, handler).build();
        pipeline = CommandBus.builder()
                .use(new ValidationMiddleware(), new CorrelationMiddleware(),
                        new IdempotencyMiddleware(new InMemoryIdempotencyStore(), Duration.ofMinutes(5)),
                        new RetryMiddleware(RetryPolicy.DEFAULT), new LoggingMiddleware())
                .register(PlaceOrder.class, handler)
                .build();
        keyed = CommandBus.builder()
                .use(new ValidationMiddleware(), new CorrelationMiddleware(),
                        new IdempotencyMiddleware(new InMemoryIdempotencyStore(), Duration.ofMinutes(5)),
                        new RetryMiddleware(RetryPolicy.DEFAULT), new LoggingMiddleware())
                .register(PlaceOrder.class, handler)
                .build();
        observed = CommandBus.builder()
                .use(new MetricsMiddleware(registry), new TracingMiddleware(otel),
                        new ValidationMiddleware(), new CorrelationMiddleware(),
                        new IdempotencyMiddleware(new InMemoryIdempotencyStore(), Duration.ofMinutes(5)),
                        new RetryMiddleware(RetryPolicy.DEFAULT), new LoggingMiddleware())
                .register(PlaceOrder.class, handler)
                .build();
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        bare.close();
        pipeline.close();
        observed.close();
        keyed.close();
        store.close();
        bare = null;
    }

    private void tick() {
        if ((++ops & (REFRESH - 1)) == 0) fresh();
    }

    @Benchmark
    public Object directCall() throws Exception {
        tick();
        return handler.handle(CommandMessage.of(command));
    }

    @Benchmark
    public Object busNoMiddleware() {
        tick();
        return bare.dispatch(CommandMessage.of(command));
    }

    /** Validation, correlation, idempotency (no key: passes through), retry, logging. */
    @Benchmark
    public Object busFullPipeline() {
        tick();
        return pipeline.dispatch(CommandMessage.of(command));
    }

    /** The full pipeline with a fresh idempotency key per command (reserve + complete in the in-memory store). */
    @Benchmark
    public Object busFullPipelineFreshKey() {
        tick();
        return keyed.dispatch(CommandMessage.of(command).withIdempotencyKey("k" + key++));
    }

    /** Metrics and tracing (outermost) around the full pipeline, no idempotency key. */
    @Benchmark
    public Object busFullPipelineWithMetricsAndTracing() {
        tick();
        return observed.dispatch(CommandMessage.of(command));
    }

    /** Runs this benchmark; JMH options (e.g. {@code -f 1 -wi 2 -i 3}) are passed through. */
    public static void main(String[] args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = DispatchBenchmark.class.getName();
        org.openjdk.jmh.Main.main(all);
    }
}

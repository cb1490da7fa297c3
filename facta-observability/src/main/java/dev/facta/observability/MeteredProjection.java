package dev.facta.observability;

import dev.facta.projection.ForwardingProjection;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.store.RecordedEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A projection whose batches are counted and timed.
 *
 * <ul>
 *   <li>{@code facta.events.handled} (counter): events applied, tagged {@code projection} and
 *       {@code outcome} ({@code success} or {@code failure}; a failed batch counts its events as
 *       failures, and the engine then retries them, so one event may count more than once);</li>
 *   <li>{@code facta.projection.batch.duration} (timer): time spent applying a batch, tagged
 *       {@code projection} and {@code outcome}.</li>
 * </ul>
 *
 * The wrapped projection's own {@link Projection#applyBatch} runs unchanged, so batch loading
 * keeps working. Failures are rethrown unchanged. Pair it with {@link ProjectionLagMetrics} for
 * how far behind each projection is.
 */
public final class MeteredProjection extends ForwardingProjection {
    public static final String EVENTS_HANDLED = "facta.events.handled";
    public static final String BATCH_DURATION = "facta.projection.batch.duration";

    private final MeterRegistry registry;

    private MeteredProjection(Projection delegate, MeterRegistry registry) {
        super(delegate);
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public static Projection wrap(MeterRegistry registry, Projection projection) {
        return new MeteredProjection(projection, registry);
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
        applyBatch(List.of(event), context);
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        long t0 = System.nanoTime();
        try {
            delegate.applyBatch(events, context);
            record("success", events.size(), System.nanoTime() - t0);
        } catch (Exception | Error e) {
            record("failure", events.size(), System.nanoTime() - t0);
            throw e;
        }
    }

    private void record(String outcome, int events, long nanos) {
        Tags tags = Tags.of("projection", delegate.name(), "outcome", outcome);
        registry.counter(EVENTS_HANDLED, tags).increment(events);
        Timer.builder(BATCH_DURATION).tags(tags).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }
}

package dev.facta.observability;

import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An {@link EventStore} decorator that records, in a {@link MeterRegistry}:
 *
 * <ul>
 *   <li>{@code facta.store.appends} (counter) and {@code facta.store.append.duration} (timer),
 *       tagged {@code outcome} (success/failure) and {@code exception};</li>
 *   <li>{@code facta.store.events.appended} (counter): events in successful appends;</li>
 *   <li>{@code facta.store.read.duration} (timer) tagged {@code operation} (readStream, readAll)
 *       and {@code outcome}; {@code facta.store.events.read} (counter) tagged {@code operation}.</li>
 * </ul>
 *
 * Every call is passed through unchanged, errors included. All meters also carry a {@code store}
 * tag (the name given, "default" unless set) so several stores can share a registry.
 */
public final class MeteredEventStore extends ForwardingEventStore {
    public static final String APPENDS = "facta.store.appends";
    public static final String APPEND_DURATION = "facta.store.append.duration";
    public static final String EVENTS_APPENDED = "facta.store.events.appended";
    public static final String READ_DURATION = "facta.store.read.duration";
    public static final String EVENTS_READ = "facta.store.events.read";

    private final MeterRegistry registry;
    private final Tags base;

    public MeteredEventStore(EventStore delegate, MeterRegistry registry) {
        this(delegate, registry, "default");
    }

    public MeteredEventStore(EventStore delegate, MeterRegistry registry, String storeName) {
        super(delegate);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.base = Tags.of("store", storeName);
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        long t0 = System.nanoTime();
        try {
            AppendResult r = delegate.append(stream, expected, events);
            long nanos = System.nanoTime() - t0;
            Tags tags = base.and("outcome", "success", "exception", "none");
            registry.counter(APPENDS, tags).increment();
            timer(APPEND_DURATION, tags).record(nanos, TimeUnit.NANOSECONDS);
            registry.counter(EVENTS_APPENDED, base).increment(events.size());
            return r;
        } catch (RuntimeException | Error e) {
            long nanos = System.nanoTime() - t0;
            Tags tags = base.and("outcome", "failure", "exception", e.getClass().getSimpleName());
            registry.counter(APPENDS, tags).increment();
            timer(APPEND_DURATION, tags).record(nanos, TimeUnit.NANOSECONDS);
            throw e;
        }
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        List<RecordedEvent> page = timedRead("readStream", () -> delegate.readStream(stream, fromVersion, maxCount, direction));
        registry.counter(EVENTS_READ, base.and("operation", "readStream")).increment(page.size());
        return page;
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AllSlice slice = timedRead("readAll", () -> delegate.readAll(fromPosition, maxCount, filter));
        registry.counter(EVENTS_READ, base.and("operation", "readAll")).increment(slice.events().size());
        return slice;
    }

    private <T> T timedRead(String operation, Supplier<T> read) {
        long t0 = System.nanoTime();
        String outcome = "failure";
        try {
            T r = read.get();
            outcome = "success";
            return r;
        } finally {
            timer(READ_DURATION, base.and("operation", operation, "outcome", outcome))
                    .record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    private Timer timer(String name, Tags tags) {
        return Timer.builder(name).tags(tags).register(registry);
    }

    @Override
    public String describe() {
        return delegate.describe() + " (metered)";
    }

}

package dev.facta.observability;

import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventFilter;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

import java.util.ArrayList;
import java.util.List;

/**
 * An event store whose appends and reads run in spans (reads as {@code read <category>} and
 * {@code read $all}, with the number of events read). Appends run in a span ({@code append <category>}, a child of whatever span
 * is current, such as a command's) and stamp every event that carries no trace context yet with
 * the append span's {@code traceparent}. Whoever handles those events later, in this process or
 * another, continues the same trace with {@link TracedEventHandler}: handlers need not inject the
 * context themselves.
 */
public final class TracedEventStore extends ForwardingEventStore {
    private static final AttributeKey<String> STREAM = AttributeKey.stringKey("facta.stream");
    private static final AttributeKey<Long> EVENTS = AttributeKey.longKey("facta.events");
    private static final AttributeKey<Long> POSITION = AttributeKey.longKey("facta.position");
    private static final AttributeKey<Long> FROM = AttributeKey.longKey("facta.from");

    private final Tracer tracer;

    public TracedEventStore(EventStore store, OpenTelemetry openTelemetry) {
        super(store);
        this.tracer = openTelemetry.getTracer(TracingMiddleware.INSTRUMENTATION);
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        Span span = tracer.spanBuilder("append " + stream.category()).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(STREAM, stream.value())
                .setAttribute(EVENTS, events == null ? 0L : events.size())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            List<EventData> stamped = events;
            if (events != null) {
                stamped = new ArrayList<>(events.size());
                for (EventData e : events) {
                    stamped.add(e == null || TraceContext.isPresent(e.metadata()) ? e : e.withMetadata(TraceContext.inject(e.metadata())));
                }
            }
            AppendResult r = delegate.append(stream, expected, stamped);
            span.setAttribute(POSITION, r.lastPosition());
            return r;
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    /** Reads a stream in a span {@code read <category>} with the stream and the number of events read. */
    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        Span span = tracer.spanBuilder("read " + (stream == null ? "?" : stream.category())).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(STREAM, stream == null ? "" : stream.value())
                .setAttribute(FROM, fromVersion)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            List<RecordedEvent> events = delegate.readStream(stream, fromVersion, maxCount, direction);
            span.setAttribute(EVENTS, (long) events.size());
            return events;
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    /** Reads the global log in a span {@code read $all} with the start position and the number of events read. */
    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        Span span = tracer.spanBuilder("read $all").setSpanKind(SpanKind.INTERNAL)
                .setAttribute(FROM, fromPosition)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            AllSlice slice = delegate.readAll(fromPosition, maxCount, filter);
            span.setAttribute(EVENTS, (long) slice.events().size());
            return slice;
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    @Override
    public String describe() {
        return delegate.describe() + " (traced)";
    }
}

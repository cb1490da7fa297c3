package dev.facta.observability;

import dev.facta.store.AppendResult;
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
 * An event store whose appends run in a span ({@code append <category>}, a child of whatever span
 * is current, such as a command's) and stamp every event that carries no trace context yet with
 * the append span's {@code traceparent}. Whoever handles those events later, in this process or
 * another, continues the same trace with {@link TracedEventHandler}: handlers need not inject the
 * context themselves.
 */
public final class TracedEventStore extends ForwardingEventStore {
    private static final AttributeKey<String> STREAM = AttributeKey.stringKey("facta.stream");
    private static final AttributeKey<Long> EVENTS = AttributeKey.longKey("facta.events");
    private static final AttributeKey<Long> POSITION = AttributeKey.longKey("facta.position");

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

    @Override
    public String describe() {
        return delegate.describe() + " (traced)";
    }
}

package dev.facta.observability;

import dev.facta.projection.ForwardingProjection;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.store.RecordedEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

import java.util.List;
import java.util.Objects;

/**
 * A projection whose every event is applied inside a span that continues the trace carried in the
 * event's metadata (see {@link TraceContext}): the trace a command started, through the append that
 * stamped its events, goes on in the projection that reads them, in this process or another.
 *
 * <p>Span: kind CONSUMER, name {@code project <projection> <eventType>}, attributes
 * {@code facta.projection}, {@code facta.projection.version}, {@code facta.projection.segment},
 * {@code facta.event.type}, {@code facta.event.id}, {@code facta.event.stream},
 * {@code facta.event.position}, and {@code facta.correlation_id} when the event has one. A failure
 * is recorded on the span and rethrown, so the engine's retries and dead letters work unchanged.
 *
 * <p>To give each event its own span the wrapped projection's {@link Projection#applyBatch} is
 * called with one event at a time; a projection that loads a whole batch in one round trip loses
 * that optimisation while traced.
 */
public final class TracedProjection extends ForwardingProjection {
    private static final AttributeKey<String> PROJECTION = AttributeKey.stringKey("facta.projection");
    private static final AttributeKey<Long> VERSION = AttributeKey.longKey("facta.projection.version");
    private static final AttributeKey<Long> SEGMENT = AttributeKey.longKey("facta.projection.segment");
    private static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("facta.event.type");
    private static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("facta.event.id");
    private static final AttributeKey<String> STREAM = AttributeKey.stringKey("facta.event.stream");
    private static final AttributeKey<Long> POSITION = AttributeKey.longKey("facta.event.position");
    private static final AttributeKey<String> CORRELATION = AttributeKey.stringKey(TracingMiddleware.CORRELATION_ID);

    private final Tracer tracer;

    private TracedProjection(Projection delegate, OpenTelemetry openTelemetry) {
        super(delegate);
        this.tracer = Objects.requireNonNull(openTelemetry, "openTelemetry").getTracer(TracingMiddleware.INSTRUMENTATION);
    }

    public static Projection wrap(OpenTelemetry openTelemetry, Projection projection) {
        return new TracedProjection(projection, openTelemetry);
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
        traced(event, context, List.of(event));
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        for (RecordedEvent e : events) traced(e, context, List.of(e));
    }

    private void traced(RecordedEvent event, ProjectionContext context, List<RecordedEvent> one) throws Exception {
        var builder = tracer.spanBuilder("project " + delegate.name() + " " + event.type())
                .setParent(TraceContext.extract(event.metadata()))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(PROJECTION, delegate.name())
                .setAttribute(VERSION, (long) context.version())
                .setAttribute(SEGMENT, (long) context.segment())
                .setAttribute(EVENT_TYPE, event.type())
                .setAttribute(EVENT_ID, event.id().toString())
                .setAttribute(STREAM, event.stream().toString())
                .setAttribute(POSITION, event.position());
        if (event.metadata().correlationId() != null) {
            builder.setAttribute(CORRELATION, event.metadata().correlationId());
        }
        Span span = builder.startSpan();
        try (Scope ignored = span.makeCurrent()) {
            delegate.applyBatch(one, context);
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}

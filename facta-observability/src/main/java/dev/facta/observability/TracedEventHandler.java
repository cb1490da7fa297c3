package dev.facta.observability;

import dev.facta.store.RecordedEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Wraps a handler of recorded events (an event-bus subscriber, a projection or saga step) so each
 * event is handled inside a span whose parent is the trace carried in the event's metadata (see
 * {@link TraceContext}): the trace started by the command continues here, across threads.
 *
 * <p>Span: kind CONSUMER, name {@code <name> <eventType>}, attributes {@code facta.handler},
 * {@code facta.event.type}, {@code facta.event.id}, {@code facta.event.stream},
 * {@code facta.event.position}, and {@code facta.correlation_id} when the event has one. An event
 * without a trace context starts a new trace. Failures are recorded and rethrown.
 */
public final class TracedEventHandler {
    private static final AttributeKey<String> HANDLER = AttributeKey.stringKey("facta.handler");
    private static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("facta.event.type");
    private static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("facta.event.id");
    private static final AttributeKey<String> STREAM = AttributeKey.stringKey("facta.event.stream");
    private static final AttributeKey<Long> POSITION = AttributeKey.longKey("facta.event.position");
    private static final AttributeKey<String> CORRELATION = AttributeKey.stringKey(TracingMiddleware.CORRELATION_ID);

    private TracedEventHandler() {
    }

    public static Consumer<RecordedEvent> wrap(OpenTelemetry openTelemetry, String name, Consumer<RecordedEvent> handler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        Tracer tracer = Objects.requireNonNull(openTelemetry, "openTelemetry").getTracer(TracingMiddleware.INSTRUMENTATION);
        return event -> {
            var builder = tracer.spanBuilder(name + " " + event.type())
                    .setParent(TraceContext.extract(event.metadata()))
                    .setSpanKind(SpanKind.CONSUMER)
                    .setAttribute(HANDLER, name)
                    .setAttribute(EVENT_TYPE, event.type())
                    .setAttribute(EVENT_ID, event.id().toString())
                    .setAttribute(STREAM, event.stream().toString())
                    .setAttribute(POSITION, event.position());
            if (event.metadata().correlationId() != null) {
                builder.setAttribute(CORRELATION, event.metadata().correlationId());
            }
            Span span = builder.startSpan();
            try (Scope ignored = span.makeCurrent()) {
                handler.accept(event);
            } catch (RuntimeException | Error e) {
                span.recordException(e);
                span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
                throw e;
            } finally {
                span.end();
            }
        };
    }
}

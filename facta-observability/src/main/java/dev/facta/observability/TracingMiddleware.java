package dev.facta.observability;

import dev.facta.command.CommandMessage;
import dev.facta.command.CommandMiddleware;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.util.Objects;

/**
 * Command-bus middleware that runs every dispatch inside a span: kind INTERNAL, name
 * {@code command <SimpleName>}, attributes {@value #COMMAND_TYPE}, {@value #COMMAND_ID} and
 * {@value #CORRELATION_ID}. A failure is recorded on the span (exception event, status ERROR) and
 * rethrown unchanged.
 *
 * <p>The span's parent is the trace context in the command's own metadata when it carries one
 * (a command sent by a handler of an event continues that event's trace), otherwise the current
 * context. The span is current while the rest of the pipeline and the handler run, so a handler
 * stamps its events with {@code TraceContext.inject(command.eventMetadata())}.
 */
public final class TracingMiddleware implements CommandMiddleware {
    public static final String INSTRUMENTATION = "dev.facta.observability";
    public static final String COMMAND_TYPE = "facta.command.type";
    public static final String COMMAND_ID = "facta.command.id";
    public static final String CORRELATION_ID = "facta.correlation_id";

    private static final AttributeKey<String> TYPE_KEY = AttributeKey.stringKey(COMMAND_TYPE);
    private static final AttributeKey<String> ID_KEY = AttributeKey.stringKey(COMMAND_ID);
    private static final AttributeKey<String> CORRELATION_KEY = AttributeKey.stringKey(CORRELATION_ID);

    private final Tracer tracer;

    public TracingMiddleware(OpenTelemetry openTelemetry) {
        this.tracer = Objects.requireNonNull(openTelemetry, "openTelemetry").getTracer(INSTRUMENTATION);
    }

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        Context parent = TraceContext.isPresent(command.metadata())
                ? TraceContext.extract(command.metadata())
                : Context.current();
        Span span = tracer.spanBuilder("command " + command.type().getSimpleName())
                .setParent(parent)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(TYPE_KEY, command.type().getName())
                .setAttribute(ID_KEY, command.id().toString())
                .setAttribute(CORRELATION_KEY, command.correlationId())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return next.proceed(command);
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}

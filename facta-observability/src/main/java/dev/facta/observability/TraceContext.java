package dev.facta.observability;

import dev.facta.store.Metadata;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Carries an OpenTelemetry trace context in event (or command) {@link Metadata}, so a trace
 * started by a command continues in whatever handles its events, on any thread or process.
 *
 * <p>The context is written as W3C Trace Context: free metadata values {@value #TRACEPARENT}
 * and, when there is one, {@value #TRACESTATE}. A command handler stamps the events it appends:
 *
 * <pre>{@code
 * Metadata meta = TraceContext.inject(command.eventMetadata());
 * store.append(stream, expected, EventData.of("OrderPlaced", json, meta));
 * }</pre>
 *
 * Inside {@link TracingMiddleware} the current context is the command's span, so the events
 * name it as their parent. {@link TracedEventHandler} reads it back with {@link #extract}.
 * Both methods take an optional propagator (for example {@code openTelemetry.getPropagators()
 * .getTextMapPropagator()}); the default is the W3C trace-context propagator.
 */
public final class TraceContext {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
            return carrier.values().keySet();
        }

        @Override
        public String get(Metadata carrier, String key) {
            if (carrier == null || Metadata.isReserved(key)) {
                return null;
            }
            return carrier.values().get(key);
        }
    };

    private TraceContext() {
    }

    /** The metadata plus the trace context of the current {@link Context}; unchanged when there is no valid span. */
    public static Metadata inject(Metadata metadata) {
        return inject(metadata, Context.current(), W3CTraceContextPropagator.getInstance());
    }

    /** The metadata plus the trace context of {@code context}, written by {@code propagator}. */
    public static Metadata inject(Metadata metadata, Context context, TextMapPropagator propagator) {
        Map<String, String> written = new LinkedHashMap<>();
        propagator.inject(context, written, (map, key, value) -> {
            if (map != null && !Metadata.isReserved(key)) {
                map.put(key, value);
            }
        });
        if (written.isEmpty()) {
            return metadata;
        }
        Map<String, String> values = new LinkedHashMap<>(metadata.values());
        values.putAll(written);
        return new Metadata(metadata.correlationId(), metadata.causationId(), metadata.tenant(), values);
    }

    /** The context stored in the metadata (on top of the root context); root when there is none. */
    public static Context extract(Metadata metadata) {
        return extract(metadata, W3CTraceContextPropagator.getInstance());
    }

    public static Context extract(Metadata metadata, TextMapPropagator propagator) {
        if (metadata == null) {
            return Context.root();
        }
        return propagator.extract(Context.root(), metadata, GETTER);
    }

    /** Whether the metadata carries a trace context. */
    public static boolean isPresent(Metadata metadata) {
        return metadata != null && metadata.values().containsKey(TRACEPARENT);
    }
}

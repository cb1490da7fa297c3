package dev.facta.examples.oms.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One log line and one timer sample per API request, for REST and gRPC alike.
 *
 * <ul>
 *   <li>{@code oms_http_requests_seconds{method, route, status}} (REST: route as registered, e.g.
 *       {@code /orders/{id}/pay}) and {@code oms_grpc_requests_seconds{method, status}} (gRPC: the full method name,
 *       the status code), histograms with fixed buckets from 1 ms to 10 s, so a dashboard can take p99 over any set
 *       of replicas with {@code histogram_quantile};</li>
 *   <li>a log line {@code "POST /orders -> 201 in 3.1 ms"} whose {@code correlationId} the JSON log formatter puts
 *       in its own field (the message carries it as the {@code correlation={n}} parameter), at INFO, or WARNING for
 *       server errors.</li>
 * </ul>
 */
public final class RequestLog {
    public static final String HTTP = "oms.http.requests";
    public static final String GRPC = "oms.grpc.requests";
    private static final System.Logger LOG = System.getLogger(RequestLog.class.getName());
    private static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final boolean logEach;

    /** @param logEach whether every request gets a log line (server errors always do) */
    public RequestLog(MeterRegistry registry, boolean logEach) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.logEach = logEach;
    }

    /** A REST request: its method, matched route, path, status and duration; {@code logLine} false for probes and scrapes. */
    public void http(String method, String route, String path, int status, long nanos, String correlationId, boolean logLine) {
        Timer.builder(HTTP).description("REST requests by method, route and status")
                .tags("method", method, "route", route, "status", Integer.toString(status))
                .serviceLevelObjectives(BUCKETS)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        if (logLine || status >= 500) log(status >= 500, method + " " + path + " -> " + status, nanos, correlationId);
    }

    /** A gRPC call: its full method name, status code and duration. */
    public void grpc(String method, String status, long nanos, String correlationId) {
        Timer.builder(GRPC).description("gRPC calls by method and status")
                .tags("method", method, "status", status)
                .serviceLevelObjectives(BUCKETS)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        boolean serverError = "INTERNAL".equals(status) || "UNKNOWN".equals(status) || "DATA_LOSS".equals(status);
        log(serverError, "grpc " + method + " -> " + status, nanos, correlationId);
    }

    private void log(boolean serverError, String what, long nanos, String correlationId) {
        System.Logger.Level level = serverError ? System.Logger.Level.WARNING : System.Logger.Level.INFO;
        if (!serverError && !logEach) return;
        if (!LOG.isLoggable(level)) return;
        String ms = String.format(java.util.Locale.ROOT, "%.1f", nanos / 1_000_000.0);
        LOG.log(level, "{0} in {1} ms correlation={2}", what, ms, correlationId);
    }
}

package dev.facta.examples.oms.ops;

import dev.facta.examples.oms.app.HealthReport;
import dev.facta.examples.oms.app.OrderManagement;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The operations endpoints next to the REST API:
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 {@code {"status":"up"}} while the process answers (a liveness probe restarts
 *       a process that stopped answering, nothing else);</li>
 *   <li>{@code GET /health/ready} (and {@code /health}): 200 {@code {"status":"up","checks":{...}}} when
 *       {@link OrderManagement#health()} is ready (store answers, projections and process managers running), else
 *       503 with {@code "status":"down"} and the failing checks: a readiness probe takes the replica out of the
 *       load balancer meanwhile;</li>
 *   <li>{@code GET /metrics}: the registry in Prometheus' text format.</li>
 * </ul>
 */
public final class OpsEndpoints {
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    public static final String METRICS = "/metrics";

    private final Supplier<HealthReport> health;
    private final PrometheusMeterRegistry registry;

    /** @param health usually {@link OrderManagement#health()} */
    public OpsEndpoints(Supplier<HealthReport> health, PrometheusMeterRegistry registry) {
        this.health = Objects.requireNonNull(health, "health");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public void install(RoutesConfig routes) {
        routes.get(LIVE, ctx -> json(ctx, 200, "{\"status\":\"up\"}"));
        routes.get(READY, this::ready);
        routes.get("/health", this::ready);
        routes.get(METRICS, ctx -> {
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
            ctx.result(registry.scrape());
        });
    }

    private void ready(Context ctx) {
        HealthReport h;
        try {
            h = health.get();
        } catch (RuntimeException e) {
            h = new HealthReport(false, Map.of("service", "down"));
        }
        StringBuilder b = new StringBuilder("{\"status\":\"").append(h.ready() ? "up" : "down").append("\",\"checks\":{");
        boolean first = true;
        for (Map.Entry<String, String> c : h.checks().entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append('"').append(escape(c.getKey())).append("\":\"").append(escape(c.getValue())).append('"');
        }
        b.append("}}");
        json(ctx, h.ready() ? 200 : 503, b.toString());
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    private static void json(Context ctx, int status, String body) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(body);
    }
}

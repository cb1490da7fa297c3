package dev.facta.server;

import dev.facta.observability.StoreHealth;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP API's routes (the contract in ARCHITECTURE.md), the guard every request passes first
 * (shutdown, body size, auth), the browser login, and the per-route request metrics.
 */
final class ApiRoutes {
    static final String EXPECTED_VERSION = "Facta-Expected-Version";
    static final String REQUESTS = "facta.http.requests";
    private static final int DEFAULT_STREAM_LIMIT = 100;
    private static final int DEFAULT_ALL_LIMIT = 1000;
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final FactaServer server;
    private final JsonMapper json;
    private final ServerLimits limits;
    private final Auth auth;

    ApiRoutes(FactaServer server) {
        this.server = server;
        this.json = server.json();
        this.limits = server.limits();
        this.auth = server.auth();
    }

    void install(RoutesConfig routes) {
        // <stream> rather than {stream}: a stream name may contain '/'
        routes.post("/streams/<stream>", this::append);
        routes.get("/streams/<stream>", this::readStream);
        routes.delete("/streams/<stream>", this::deleteStream);
        routes.get("/all", this::readAll);
        routes.get("/subscribe/all", this::subscribe);
        routes.get("/health", this::health);
        routes.get("/metrics", this::metrics);
        routes.post("/admin/login", this::login);
        routes.post("/admin/logout", this::logout);
    }

    // --- the guard ------------------------------------------------------------------------------

    /** Runs before every request: refuses it while shutting down, when its body is too large, or without auth. */
    void guard(Context ctx) {
        String path = ctx.path();
        if (server.closing() && !"/health".equals(path)) {
            ctx.header("Connection", "close");
            throw new ApiException(503, "unavailable", "the server is shutting down");
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > limits.maxRequestBytes()) {
            ctx.header("Connection", "close");
            throw ApiException.tooLarge("the request body is " + declared + " bytes, more than the limit of "
                    + limits.maxRequestBytes() + " bytes");
        }
        if (auth.required() && !open(ctx.method(), path)) {
            FactaServer.caller(ctx, auth.authenticate(ctx).orElseThrow(ApiRoutes::unauthorized));
        }
    }

    static ApiException unauthorized() {
        return new ApiException(401, "unauthorized",
                "this server needs a token: send 'Authorization: Bearer <token>' (or log in at /admin)");
    }

    private EventStore events(Context ctx) {
        return server.scope(ctx).events();
    }

    /**
     * What may be reached without the token: health, the login, the admin UI's static page and assets,
     * and Swagger UI's page and files (not the document it shows).
     */
    static boolean open(HandlerType method, String path) {
        if (method == HandlerType.POST) return "/admin/login".equals(path);
        if (method != HandlerType.GET && method != HandlerType.HEAD) return false;
        if ("/health".equals(path) || "/admin".equals(path) || "/admin/".equals(path)) return true;
        if (SwaggerUi.open(path)) return true;
        return path.startsWith("/admin/assets/") && !path.contains("..") && !path.contains("%") && !path.contains("//");
    }

    // --- streams --------------------------------------------------------------------------------

    private void append(Context ctx) {
        StreamId stream = streamOf(ctx);
        ExpectedVersion expected = expectedVersion(ctx);
        List<EventData> batch = AppendRequest.parse(json, body(ctx), limits, server.appendCheck());
        AppendResult result;
        try {
            result = events(ctx).append(stream, expected, batch);
        } catch (StreamDeletedException e) {
            throw new ApiException(409, "stream_deleted", e.getMessage());
        }
        ObjectNode node = json.createObjectNode();
        node.put("nextExpectedVersion", result.nextExpectedVersion());
        node.put("position", result.position());
        ctx.status(201);
        respond(ctx, node);
    }

    private void readStream(Context ctx) {
        StreamId stream = streamOf(ctx);
        ReadDirection direction = switch (ctx.queryParam("direction") == null ? "forward" : ctx.queryParam("direction")) {
            case "forward" -> ReadDirection.FORWARD;
            case "backward" -> ReadDirection.BACKWARD;
            case String other -> throw ApiException.badRequest("direction must be forward or backward, got '" + other + "'");
        };
        long from = longParam(ctx, "from", direction == ReadDirection.FORWARD ? 0 : Long.MAX_VALUE);
        int limit = limitParam(ctx, DEFAULT_STREAM_LIMIT);
        List<RecordedEvent> page = events(ctx).readStream(stream, from, limit, direction);
        writeEvents(ctx, page, null);
    }

    private void deleteStream(Context ctx) {
        StreamId stream = streamOf(ctx);
        ExpectedVersion expected = expectedVersion(ctx);
        events(ctx).deleteStream(stream, expected);
        ctx.status(204);
    }

    private void readAll(Context ctx) {
        long from = longParam(ctx, "from", 0);
        int limit = limitParam(ctx, DEFAULT_ALL_LIMIT);
        EventStore store = events(ctx);
        AllSlice slice = store.readAll(from, limit);
        // a page whose events the caller may not read all is skipped, so an empty page still means the end of the log
        while (slice.events().isEmpty() && !slice.endOfLog() && slice.next() > from) {
            from = slice.next();
            slice = store.readAll(from, limit);
        }
        writeEvents(ctx, slice.events(), slice.next());
    }

    private void subscribe(Context ctx) {
        long from = longParam(ctx, "from", 1);
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            // a reconnecting EventSource: resume after the last event it received
            long last = parseLong(lastEventId.trim(), "Last-Event-ID");
            if (last == Long.MAX_VALUE) throw ApiException.badRequest("Last-Event-ID is out of range: " + lastEventId);
            from = last + 1;
        }
        FactaServer.Scope scope = server.scope(ctx);
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        OutputStream out;
        try {
            out = res.getOutputStream();
        } catch (IOException e) {
            return; // the client has gone
        }
        SseStream stream = new SseStream(out, json, server.heartbeat(), scope.access(),
                () -> scope.caller().readsIn(scope.tenant()));
        server.register(stream);
        try {
            stream.run(scope.events(), Math.max(1, from));
        } finally {
            server.unregister(stream);
        }
    }

    // --- health, metrics, login -----------------------------------------------------------------

    private void health(Context ctx) {
        ObjectNode node = json.createObjectNode();
        java.util.Optional<Caller> caller = auth.authenticate(ctx);
        boolean details = caller.isPresent();
        if (server.closing()) {
            node.put("status", "down");
            node.put("error", "the server is shutting down");
            ctx.status(503);
            respond(ctx, node);
            return;
        }
        if (server.multiTenant()) {
            tenantsHealth(ctx, node, caller.orElse(null));
            return;
        }
        StoreHealth.Health h = server.health().check();
        boolean up = h.status() == StoreHealth.Status.UP & checks(node, details);
        node.put("status", up ? "up" : "down");
        for (Map.Entry<String, Object> d : h.details().entrySet()) {
            // unauthenticated callers learn whether it is up and what store it is, nothing of its errors
            if (!details && !"store".equals(d.getKey())) continue;
            switch (d.getValue()) {
                case Long l -> node.put(d.getKey(), l);
                case Double x -> node.put(d.getKey(), Math.round(x * 1000) / 1000.0);
                case null -> node.putNull(d.getKey());
                default -> node.put(d.getKey(), String.valueOf(d.getValue()));
            }
        }
        ctx.status(up ? 200 : 503);
        respond(ctx, node);
    }

    /**
     * Health of a multi-tenant server: whether the store answers (it lists its tenants within the
     * health timeout); an authenticated caller with a tenant also gets its tenant's head position.
     * Nothing about other tenants, not even how many there are.
     */
    private void tenantsHealth(Context ctx, ObjectNode node, Caller caller) {
        // the store's probe runs with the application's checks, under the same deadline
        Map<String, HealthCheck> all = new java.util.LinkedHashMap<>();
        all.put(STORE_PROBE, () -> {
            server.tenants().tenants();
            return HealthCheck.Result.up(Map.of());
        });
        all.putAll(server.healthChecks());
        Map<String, HealthCheck.Result> results = run(all);
        HealthCheck.Result store = results.remove(STORE_PROBE);
        String error = store.up() ? null : "the store: " + store.details().get("error");
        boolean checksUp = report(node, results, caller != null);
        node.put("status", error == null && checksUp ? "up" : "down");
        node.put("tenancy", true);
        if (caller != null && error != null) node.put("error", error);
        if (caller != null && error == null) {
            try {
                FactaServer.caller(ctx, caller);
                FactaServer.Scope scope = server.scope(ctx);
                node.put("tenant", scope.tenant());
                node.put("headPosition", scope.events().headPosition());
            } catch (ApiException e) {
                // no tenant named or allowed: health without tenant details
            }
        }
        ctx.status(error == null && checksUp ? 200 : 503);
        respond(ctx, node);
    }

    /** The key of the multi-tenant store's own probe among the checks {@link #run} runs (not a valid check name). */
    private static final String STORE_PROBE = "(store)";

    /**
     * Runs the application's health checks into {@code checks}; details (and errors) only for
     * authenticated callers. True when all are up.
     */
    private boolean checks(ObjectNode node, boolean details) {
        return report(node, run(server.healthChecks()), details);
    }

    private static boolean report(ObjectNode node, Map<String, HealthCheck.Result> results, boolean details) {
        if (results.isEmpty()) return true;
        ObjectNode out = node.putObject("checks");
        boolean allUp = true;
        for (var e : results.entrySet()) {
            HealthCheck.Result r = e.getValue();
            ObjectNode c = out.putObject(e.getKey());
            c.put("status", r.up() ? "up" : "down");
            if (details) r.details().forEach(c::put);
            allUp &= r.up();
        }
        return allUp;
    }

    /** Runs the checks at once, each within what is left of the health timeout; one that throws or hangs is down. */
    private Map<String, HealthCheck.Result> run(Map<String, HealthCheck> checks) {
        Map<String, HealthCheck.Result> results = new java.util.LinkedHashMap<>();
        if (checks.isEmpty()) return results;
        // not closed with try-with-resources: closing waits for every task, and a check that ignores
        // the interrupt would hold /health past its timeout
        var probe = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        try {
            Map<String, java.util.concurrent.Future<HealthCheck.Result>> running = new java.util.LinkedHashMap<>();
            checks.forEach((name, check) -> running.put(name, probe.submit(check::check)));
            long deadline = System.nanoTime() + server.healthTimeout().toNanos();
            for (var e : running.entrySet()) {
                HealthCheck.Result r;
                try {
                    r = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (r == null) r = HealthCheck.Result.down("the check answered nothing");
                } catch (java.util.concurrent.TimeoutException t) {
                    e.getValue().cancel(true);
                    r = HealthCheck.Result.down("no answer within " + server.healthTimeout());
                } catch (java.util.concurrent.ExecutionException x) {
                    r = HealthCheck.Result.down(String.valueOf(x.getCause()));
                } catch (InterruptedException i) {
                    Thread.currentThread().interrupt();
                    r = HealthCheck.Result.down("interrupted");
                }
                results.put(e.getKey(), r);
            }
        } finally {
            probe.shutdownNow();
        }
        return results;
    }

    private void metrics(Context ctx) {
        if (!server.mayReadMetrics(ctx)) {
            throw new ApiException(403, "forbidden", "the metrics count the work of every stream" + (server.multiTenant() ? " and tenant" : "")
                    + ": they need a token with the admin flag" + (server.multiTenant() ? " and every tenant" : ""));
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(server.metrics().scrape());
    }

    private void login(Context ctx) {
        JsonNode body = AppendRequest.readJson(json, body(ctx));
        JsonNode token = body.isObject() ? body.get("token") : null;
        if (token == null || !token.isString()) {
            throw ApiException.badRequest("the body must be {\"token\": \"...\"}");
        }
        if (auth.required()) {
            Caller caller = auth.byToken(token.stringValue()).orElseThrow(() -> new ApiException(401, "unauthorized", "wrong token"));
            ctx.header("Set-Cookie", auth.sessionCookieHeader(caller.token(), Instant.now()));
        }
        ctx.header("Cache-Control", "no-store");
        ctx.status(204);
    }

    private void logout(Context ctx) {
        ctx.header("Set-Cookie", Auth.clearCookieHeader());
        ctx.status(204);
    }

    // --- request metrics ------------------------------------------------------------------------

    void recordRequest(Context ctx, Float millis) {
        Timer.builder(REQUESTS)
                .description("HTTP requests by method, route and status")
                .tags("method", ctx.method().name(), "route", routeOf(ctx), "status", Integer.toString(ctx.statusCode()))
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(server.metrics())
                .record((long) (millis * 1_000_000.0), TimeUnit.NANOSECONDS);
    }

    /**
     * The route a request matched, as registered (e.g. {@code /streams/<stream>}); for requests refused
     * before routing, the API route their path would match, else {@code unmatched}, so that arbitrary
     * paths never create new series.
     */
    static String routeOf(Context ctx) {
        Endpoint endpoint = null;
        try {
            endpoint = ctx.endpoints().matchedHttpEndpoint();
        } catch (RuntimeException ignored) {
            // no endpoint matched
        }
        if (endpoint != null) return endpoint.path;
        String path = ctx.path();
        if (path.startsWith("/streams/")) return "/streams/<stream>";
        return switch (path) {
            case "/all", "/subscribe/all", "/health", "/metrics", "/admin/login", "/admin/logout", "/admin" -> path;
            default -> path.startsWith("/admin/") ? "/admin/*" : "unmatched";
        };
    }

    // --- helpers --------------------------------------------------------------------------------

    private static StreamId streamOf(Context ctx) {
        return new StreamId(ctx.pathParam("stream"));
    }

    private static ExpectedVersion expectedVersion(Context ctx) {
        String header = ctx.header(EXPECTED_VERSION);
        if (header == null) return ExpectedVersion.any();
        try {
            return ExpectedVersion.parse(header);
        } catch (dev.facta.InvalidInputException e) {
            throw ApiException.badRequest(EXPECTED_VERSION + " must be any, no_stream, stream_exists or a version >= 0, got '"
                    + header + "'");
        }
    }

    private byte[] body(Context ctx) {
        return body(ctx, limits);
    }

    /** The request body, refused with 413 when it is larger than the limit. */
    static byte[] body(Context ctx, ServerLimits limits) {
        long max = limits.maxRequestBytes();
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) max + 1);
            if (body.length > max) {
                ctx.header("Connection", "close");
                throw ApiException.tooLarge("the request body is larger than the limit of " + max + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
        }
    }

    private static long longParam(Context ctx, String name, long defaultValue) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) return defaultValue;
        long value = parseLong(text, name);
        if (value < 0) throw ApiException.badRequest(name + " must be >= 0, got " + value);
        return value;
    }

    private static long parseLong(String text, String name) {
        try {
            long value = Long.parseLong(text);
            if (value < 0) throw ApiException.badRequest(name + " must be >= 0, got " + value);
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a whole number >= 0, got '" + text + "'");
        }
    }

    private static int limitParam(Context ctx, int defaultValue) {
        String text = ctx.queryParam("limit");
        if (text == null || text.isEmpty()) return defaultValue;
        long value = parseLong(text, "limit");
        if (value < 1 || value > EventStore.MAX_READ) {
            throw ApiException.badRequest("limit must be 1.." + EventStore.MAX_READ + ", got " + value);
        }
        return (int) value;
    }

    private void respond(Context ctx, ObjectNode node) {
        ctx.contentType("application/json");
        ctx.result(json.writeValueAsBytes(node));
    }

    /** Streams {@code {"events": [...], "next": n}} to the client without holding a second copy in memory. */
    private void writeEvents(Context ctx, List<RecordedEvent> page, Long next) {
        ctx.status(200);
        ctx.contentType("application/json");
        try {
            OutputStream out = ctx.res().getOutputStream();
            try (JsonGenerator g = json.createGenerator(out)) {
                g.writeStartObject();
                g.writeName("events");
                g.writeStartArray();
                for (RecordedEvent e : page) {
                    EventJson.write(g, e);
                }
                g.writeEndArray();
                if (next != null) g.writeNumberProperty("next", next);
                g.writeEndObject();
            }
            out.flush();
        } catch (IOException e) {
            // the client has gone; nothing to answer
        }
    }
}

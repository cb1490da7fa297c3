package dev.facta.server;

import dev.facta.observability.StoreHealth;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.server.admin.AdminApi;
import dev.facta.server.admin.AdminUi;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.memory.InMemoryEventStore;
import dev.facta.tenancy.MultiTenantStore;
import dev.facta.tenancy.TenantStore;
import dev.facta.tenancy.Tenants;
import dev.facta.tenancy.UnknownTenantException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson3;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Facta's server: the HTTP API over one event store (streams, the global log, live subscriptions as
 * Server-Sent Events, health, Prometheus metrics) and the admin web UI under {@code /admin}.
 *
 * <p><b>Tenants.</b> Built on a {@link MultiTenantStore} ({@link #builder(MultiTenantStore)}), every
 * request works for exactly one tenant and every route, the admin API's included, reads and writes
 * that tenant's stores only. The tenant is the {@value #TENANT_HEADER} header (or the {@code tenant}
 * query parameter, for browsers' EventSource), which must be one of the token's tenants (else 403
 * {@code forbidden}), or, without either, the one tenant the token is bound to; otherwise the
 * request is refused with 400 {@code tenant_required}.
 *
 * <p><b>Access control.</b> With {@link AccessTokens} ({@link Builder#accessTokens}) each token has
 * grants of read and write rights on stream-name prefixes or categories, tenants and an admin flag;
 * every route honours them, and revoking a token ends its open
 * subscriptions at once with an {@code access_revoked} error event.
 *
 * <p><b>The application's endpoints.</b> Commands and queries registered with {@link Builder#command}
 * and {@link Builder#query} are answered at {@code POST /commands/{name}} and {@code POST
 * /queries/{name}}: bodies checked against their records' JSON Schemas, run on the application's
 * buses in the request's tenant, with rights on the categories they were registered with. With a
 * {@link Builder#schemas schema registry}, appended events are checked against their types' schemas.
 * {@code GET /openapi.json} describes every route (OpenAPI 3.1); Swagger UI shows it at {@code /docs}.
 *
 * <p>Every route, the admin UI's included, keeps the same promises: a request body larger than
 * {@link ServerLimits#maxRequestBytes()} is refused with 413 before it is read whole; when an auth
 * token is set, every request but {@code /health}, {@code POST /admin/login}, the admin UI's
 * static page and Swagger UI's page needs it ({@code Authorization: Bearer <token>} or the session cookie the login sets),
 * else 401; every failure is answered as {@code {"error": code, "message": ...}} and never shows a
 * stack trace (unexpected errors are logged instead); a refused request has changed nothing.
 *
 * <p>{@link #close()} shuts down gracefully: new requests are refused with 503, live subscriptions
 * end with a {@code shutdown} event, new connections are refused, requests in flight (appends
 * included) finish, all within the shutdown timeout, and then the HTTP server stops. The event store is the caller's and stays open;
 * a projection store the server derived from it is closed if it needs closing.
 *
 * <p>Handlers run on virtual threads, so each open subscription costs a parked virtual thread, not
 * a platform thread.
 */
public final class FactaServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FactaServer.class.getName());
    /** The request header naming the tenant a request works for. */
    public static final String TENANT_HEADER = "Facta-Tenant";
    private static final String SCOPE = "facta.scope";
    private static final String CALLER = "facta.caller";

    private final EventStore events;
    private final MultiTenantStore tenants;
    private final Map<String, EventStore[]> tenantEvents = new ConcurrentHashMap<>();
    /** Tenants seen to exist, so that reads need not list the tenants each time. */
    private final Set<String> knownTenants = ConcurrentHashMap.newKeySet();
    private final AutoCloseable tokenWatch;
    private final ProjectionStore projections;
    private final boolean ownsProjections;
    private final ServerContext context;
    private final ServerLimits limits;
    private final Auth auth;
    private final String host;
    private final int requestedPort;
    private final Duration shutdownTimeout;
    private final Duration heartbeat;
    private final boolean ownsRegistry;
    private final JvmGcMetrics gcMetrics;
    private final StoreHealth health;
    private final ProjectionEngine engine;
    private final java.util.function.Function<String, Optional<ProjectionEngine>> tenantEngines;
    private final Duration healthTimeout;
    private final Set<SseStream> streams = ConcurrentHashMap.newKeySet();
    private final List<ServerExtension> extensions;
    private final Map<String, HealthCheck> healthChecks;
    private final AppEndpoints endpoints;
    private final dev.facta.schema.SchemaRegistry schemas;
    private final AppendRequest.DataCheck appendCheck;
    private volatile boolean closing;
    private Javalin app;
    private boolean started;
    private boolean closed;

    private FactaServer(Builder b) {
        this.limits = b.limits;
        this.auth = new Auth(b.authToken, b.accessTokens);
        this.tenants = b.tenants;
        this.host = b.host;
        this.requestedPort = b.port;
        this.shutdownTimeout = b.shutdownTimeout;
        this.heartbeat = b.heartbeat;
        this.ownsRegistry = b.registry == null;
        PrometheusMeterRegistry registry = ownsRegistry ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : b.registry;
        if (ownsRegistry) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            gcMetrics = new JvmGcMetrics();
            gcMetrics.bindTo(registry);
        } else {
            gcMetrics = null;
        }
        this.ownsProjections = b.projections == null && b.events != null;
        this.projections = b.events == null ? null : ownsProjections ? projectionStoreFor(b.events) : b.projections;
        this.events = b.events == null ? null : InstrumentedStore.wrap(b.events, registry);
        this.health = b.events == null ? null : new StoreHealth(b.events, b.healthTimeout);
        this.healthTimeout = b.healthTimeout;
        this.engine = b.engine;
        this.tenantEngines = b.tenantEngines;
        this.context = new ServerContext(events, Optional.ofNullable(projections), b.stateViews, jsonMapper(limits), registry);
        this.tokenWatch = auth.onChange(this::recheckSubscriptions);
        this.extensions = List.copyOf(b.extensions);
        this.healthChecks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.healthChecks));
        this.endpoints = new AppEndpoints(this, b.commandBus, b.commands, b.queries, FactaServer::schemaOf);
        this.schemas = b.schemas;
        this.appendCheck = b.schemas == null || !b.validateAppends ? AppendRequest.DataCheck.NONE : this::checkEventData;
    }

    /**
     * Starts configuring a server for the tenants of a multi-tenant store (see the class comment);
     * the server never closes it.
     */
    public static Builder builder(MultiTenantStore tenants) {
        return new Builder(Objects.requireNonNull(tenants, "tenants"));
    }

    /** Starts configuring a server for this event store; the server never closes it. */
    public static Builder builder(EventStore events) {
        return new Builder(events);
    }

    /**
     * The projection store in the same database as the event store (looking through decorators): the
     * SQLite and PostgreSQL stores have one; for the in-memory store it is a new in-memory one; other
     * stores have none the server knows of (null).
     */
    public static ProjectionStore projectionStoreFor(EventStore store) {
        EventStore s = store;
        while (s instanceof ForwardingEventStore f) {
            s = f.underlying();
        }
        return switch (s) {
            case SqliteEventStore sqlite -> SqliteProjectionStore.on(sqlite);
            case PostgresEventStore pg -> PostgresProjectionStore.on(pg);
            case InMemoryEventStore memory -> new InMemoryProjectionStore();
            default -> null;
        };
    }

    static JsonMapper jsonMapper(ServerLimits limits) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        // the array of events and each event object wrap the data
                        .maxNestingDepth(limits.maxJsonDepth() + 2)
                        .maxStringLength(limits.maxStringLength())
                        .maxNameLength(Math.min(limits.maxStringLength(), 50_000))
                        .maxDocumentLength(limits.maxRequestBytes())
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // decimals stay exact: 39.90 is stored as 39.90, not as a double
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                // responses are written straight to the servlet's stream, which the server completes itself
                .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                .build();
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws IllegalStateException the server was started before
     */
    public synchronized FactaServer start() {
        if (started) throw new IllegalStateException("the server was started already");
        started = true;
        ApiRoutes api = new ApiRoutes(this);
        app = Javalin.create(config -> configure(config, api));
        try {
            app.start(host, requestedPort);
        } catch (RuntimeException e) {
            // e.g. the port is in use: release what was made, so the caller only has to report it
            closed = true;
            try {
                app.stop();
            } catch (RuntimeException ignored) {
                // it never ran
            }
            closeOwned();
            throw e;
        }
        return this;
    }

    private void configure(JavalinConfig config, ApiRoutes api) {
        JsonMapper json = context.json();
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.concurrency.useVirtualThreads = true;
        config.http.maxRequestSize = limits.maxRequestBytes();
        config.http.prefer405over404 = true;
        config.http.generateEtags = false;
        config.jsonMapper(new JavalinJackson3(json, true));
        config.router.javaLangErrorHandler((res, error) -> Errors.writeError(res, json, error));
        config.jetty.modifyServer(server -> {
            // tracks requests in flight, so close() can wait for them; while shutting down it answers new ones with 503
            server.setHandler(new GracefulHandler());
            server.setErrorHandler(new JsonErrorHandler(json));
        });
        config.requestLogger.http(api::recordRequest);
        RoutesConfig routes = config.routes;
        routes.exception(HttpResponseException.class, (e, ctx) -> Errors.write(ctx, json, Errors.classify(e, ctx)));
        routes.exception(Exception.class, (e, ctx) -> Errors.write(ctx, json, Errors.classify(e, ctx)));
        routes.before(api::guard);
        api.install(routes);
        endpoints.install(routes);
        new OpenApi(this).install(routes);
        new SwaggerUi().install(routes);
        AdminUi.install(routes, this::adminApi);
        ServerExtension.Host host = extensionHost();
        for (ServerExtension extension : extensions) {
            extension.install(routes, host);
        }
    }

    /** What extensions see of the server: the request's scope, tenant and admin flag, token changes. */
    private ServerExtension.Host extensionHost() {
        return new ServerExtension.Host() {
            @Override
            public ServerContext context(Context ctx) {
                Scope s = scope(ctx);
                return context.scoped(s.events(), s.projections(), s.access());
            }

            @Override
            public ServerContext context(String bearerToken, String tenant) {
                Caller caller = !auth.required() ? Caller.OPEN
                        : bearerToken == null ? null : auth.byToken(bearerToken.trim()).orElse(null);
                if (caller == null) throw ApiRoutes.unauthorized();
                Scope s = scope(caller, tenant, false);
                return context.scoped(s.events(), s.projections(), s.access());
            }

            @Override
            public String tenant(Context ctx) {
                return scope(ctx).tenant();
            }

            @Override
            public boolean admin(Context ctx) {
                return caller(ctx).admin();
            }

            @Override
            public AutoCloseable onAccessChange(Runnable listener) {
                return auth.onChange(listener);
            }

            @Override
            public boolean closing() {
                return closing;
            }
        };
    }

    /** The port the server listens on (the one chosen by the system when the builder said 0). */
    public synchronized int port() {
        if (app == null) throw new IllegalStateException("the server is not started");
        return app.port();
    }

    /** Every route as {@code METHOD path}, as registered (for tests that check that each one honours the grants). */
    synchronized List<String> routes() {
        if (app == null) throw new IllegalStateException("the server is not started");
        List<String> out = new ArrayList<>();
        for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
            out.add(e.endpoint.method.name() + " " + e.endpoint.path);
        }
        return out;
    }

    /** The base URL of the HTTP API, e.g. {@code http://127.0.0.1:7070}. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + ("0.0.0.0".equals(host) || "::".equals(host) ? "localhost" : h) + ":" + port();
    }

    /** The admin web UI's URL. */
    public String adminUrl() {
        return url() + "/admin";
    }

    /**
     * What the routes share: the (metered) store, projections, state views, JSON mapper and metrics registry.
     *
     * @throws IllegalStateException the server serves tenants: use {@link #context(String)}
     */
    public ServerContext context() {
        if (tenants != null) throw new IllegalStateException("this server serves tenants: ask for the context of one");
        return context;
    }

    /** What the routes share for one tenant of a multi-tenant server: its (metered) stores and every right. */
    public ServerContext context(String tenant) {
        if (tenants == null) throw new IllegalStateException("this server serves one store, not tenants");
        TenantStore ts = tenants.forTenant(tenant);
        return context.scoped(tenantEvents(ts), Optional.of(ts.projections()), Access.ALL);
    }

    JsonMapper json() {
        return context.json();
    }

    PrometheusMeterRegistry metrics() {
        return context.metrics();
    }

    /** Whether the server serves the tenants of a multi-tenant store. */
    public boolean multiTenant() {
        return tenants != null;
    }

    // ------------------------------------------------------------------ per request: caller, tenant, stores

    /** What one request works on: its tenant (null for a single store), caller, stores and rights. */
    record Scope(String tenant, Caller caller, EventStore events, Optional<ProjectionStore> projections, Access access) {
    }

    /** Sets the request's caller; the guard calls it once the request is authenticated. */
    static void caller(Context ctx, Caller caller) {
        ctx.attribute(CALLER, caller);
    }

    Caller caller(Context ctx) {
        Caller c = ctx.attribute(CALLER);
        if (c != null) return c;
        c = auth.authenticate(ctx).orElseThrow(ApiRoutes::unauthorized);
        caller(ctx, c);
        return c;
    }

    /**
     * The request's tenant, stores and rights, resolved on first use.
     *
     * @throws ApiException 400 {@code tenant_required} / {@code bad_request}, 403 {@code forbidden},
     *                      404 {@code tenant_not_found}
     */
    Scope scope(Context ctx) {
        Scope s = ctx.attribute(SCOPE);
        if (s != null) return s;
        Caller caller = caller(ctx);
        s = scope(caller, tenants == null ? null : namedTenant(ctx), writes(ctx));
        ctx.attribute(SCOPE, s);
        return s;
    }

    /** The scope of a caller that named a tenant (or not, null), for a read or a write (which may provision it). */
    private Scope scope(Caller caller, String named, boolean writes) {
        Scope s;
        if (tenants == null) {
            Access access = caller.in(null);
            s = new Scope(null, caller, GrantedEventStore.wrap(events, access), Optional.ofNullable(projections), access);
        } else {
            String tenant = tenantOf(named, caller);
            TenantStore ts;
            try {
                // reading never creates a tenant: only writes provision one (when the store provisions on first use)
                if (!writes && !knownTenants.contains(tenant) && !tenants.tenants().contains(tenant)) {
                    throw new UnknownTenantException(tenant);
                }
                ts = tenants.forTenant(tenant);
                knownTenants.add(tenant);
            } catch (UnknownTenantException e) {
                throw ApiException.notFound("tenant_not_found", "there is no tenant '" + tenant + "'");
            }
            Access access = caller.in(tenant);
            s = new Scope(tenant, caller, GrantedEventStore.wrap(tenantEvents(ts), access), Optional.of(ts.projections()), access);
        }
        return s;
    }

    /** Whether the request may write (so may provision its tenant): appends and commands. */
    private static boolean writes(Context ctx) {
        return ctx.method() == io.javalin.http.HandlerType.POST && (ctx.path().startsWith("/streams/") || ctx.path().startsWith("/commands/"));
    }

    /** The request body, refused with 413 past the limit. */
    byte[] body(Context ctx) {
        return ApiRoutes.body(ctx, limits);
    }

    AppEndpoints endpoints() {
        return endpoints;
    }

    /** The JSON Schema of a command's or query's record, or null (with a warning) for a type none can be derived of. */
    private static tools.jackson.databind.JsonNode schemaOf(Class<?> type) {
        try {
            return dev.facta.schema.JsonSchemas.of(type);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "no JSON Schema for " + type.getName() + " (its bodies are only bound, not"
                    + " validated, and the OpenAPI document shows a plain object): " + e.getMessage());
            return null;
        }
    }

    Map<String, HealthCheck> healthChecks() {
        return healthChecks;
    }

    List<ServerExtension> extensions() {
        return extensions;
    }

    AppendRequest.DataCheck appendCheck() {
        return appendCheck;
    }

    /** Checks one appended event's data against its type's latest schema; a refusal names the event and field. */
    private void checkEventData(int index, String type, tools.jackson.databind.JsonNode data) {
        try {
            schemas.validate(type, data);
        } catch (dev.facta.schema.SchemaViolationException e) {
            String field = "/" + index + "/data" + e.field();
            throw new ApiException(400, "validation_failed", "events[" + index + "] (" + type + ") does not match its schema"
                    + (e.version() > 0 ? " version " + e.version() : "") + ": " + e.violations().getFirst()
                    + (e.violations().size() > 1 ? " (and " + (e.violations().size() - 1) + " more)" : "") + "; nothing was stored",
                    Map.of("field", field, "index", index));
        }
    }

    /**
     * What the OpenAPI document says of appends beyond the base: with a schema registry, each event
     * type's latest schema, and the append body's items checked against the schema of their type.
     */
    void describeAppends(tools.jackson.databind.node.ObjectNode doc) {
        if (schemas == null) return;
        JsonMapper json = context.json();
        var components = (tools.jackson.databind.node.ObjectNode) doc.get("components").get("schemas");
        var choices = json.createArrayNode();
        java.util.List<String> types = new ArrayList<>(schemas.eventTypes());
        java.util.Collections.sort(types);
        for (String type : types) {
            var latest = schemas.latest(type).orElseThrow();
            String name = "event." + type.replaceAll("[^A-Za-z0-9._-]", "_");
            OpenApi.embed(json, name, latest.schema(), components);
            var allOf = choices.addObject().putArray("allOf");
            allOf.addObject().put("$ref", "#/components/schemas/EventIn");
            var shape = allOf.addObject().putObject("properties");
            shape.putObject("type").put("const", type);
            shape.putObject("data").put("$ref", "#/components/schemas/" + name);
        }
        var item = (tools.jackson.databind.node.ObjectNode) components.get("AppendBody").get("items");
        if (!schemas.requiresSchemas()) {
            var allOf = choices.addObject().putArray("allOf");
            allOf.addObject().put("$ref", "#/components/schemas/EventIn");
            var notKnown = allOf.addObject().putObject("properties").putObject("type").putObject("not").putArray("enum");
            types.forEach(notKnown::add);
        }
        item.removeAll();
        item.set("anyOf", choices);
        if (validateAppendsOn()) {
            item.put("description", "Each event's data is checked against its type's latest schema"
                    + (schemas.requiresSchemas() ? "; a type without a schema is refused" : ""));
        }
    }

    private boolean validateAppendsOn() {
        return appendCheck != AppendRequest.DataCheck.NONE;
    }

    /** The tenant a request names (header or query parameter), or null. */
    private static String namedTenant(Context ctx) {
        String header = ctx.header(TENANT_HEADER);
        String query = ctx.queryParam("tenant");
        if (header != null && query != null && !header.equals(query)) {
            throw ApiException.badRequest("the " + TENANT_HEADER + " header and the tenant parameter name different tenants");
        }
        return header != null ? header : query;
    }

    /** The tenant named (null or empty: the token's only tenant), checked against the caller's tenants. */
    private static String tenantOf(String tenant, Caller caller) {
        if (tenant == null || tenant.isEmpty()) {
            return caller.onlyTenant().orElseThrow(() -> new ApiException(400, "tenant_required", "this server serves several tenants:"
                    + " name one with the " + TENANT_HEADER + " header (or the tenant query parameter)"));
        }
        if (!Tenants.isValid(tenant)) {
            throw ApiException.badRequest(TENANT_HEADER + " is not a tenant id (1-40 characters of a-z, 0-9, '_' and '-')");
        }
        if (!caller.allowsTenant(tenant)) {
            throw new ApiException(403, "forbidden", "this token may not work for tenant '" + tenant + "'");
        }
        return tenant;
    }

    /** The tenant's event store, metered like the single store. */
    private EventStore tenantEvents(TenantStore ts) {
        EventStore source = ts.events();
        EventStore[] cached = tenantEvents.get(ts.tenant());
        if (cached != null && cached[0] == source) return cached[1];
        EventStore wrapped = InstrumentedStore.wrap(source, context.metrics());
        tenantEvents.put(ts.tenant(), new EventStore[]{source, wrapped});
        return wrapped;
    }

    /** The admin API for one request: the caller's tenant and rights; only tokens with the admin flag. */
    private AdminApi adminApi(Context ctx) {
        Caller caller = caller(ctx);
        if (!caller.admin()) throw new ApiException(403, "forbidden", "the admin API needs a token with the admin flag");
        Scope s = scope(ctx);
        ProjectionEngine e = tenants == null ? engine
                : tenantEngines == null ? null : tenantEngines.apply(s.tenant()).orElse(null);
        return new AdminApi(context.scoped(s.events(), s.projections(), s.access()), e,
                AdminApi.DEFAULT_RELATION_SCAN_LIMIT);
    }

    /** Whether the caller may read the metrics: they count the work of every stream (and tenant). */
    boolean mayReadMetrics(Context ctx) {
        if (!auth.required()) return true;
        Caller c = caller(ctx);
        return c.admin() && (tenants == null || c.allTenants());
    }

    MultiTenantStore tenants() {
        return tenants;
    }

    Duration healthTimeout() {
        return healthTimeout;
    }

    /** Wakes every live subscription to check its token again (after a token change). */
    private void recheckSubscriptions() {
        for (SseStream s : streams) {
            s.recheck();
        }
    }

    /** Whether requests need the auth token. */
    public boolean authRequired() {
        return auth.required();
    }

    EventStore events() {
        return events;
    }

    ServerLimits limits() {
        return limits;
    }

    Auth auth() {
        return auth;
    }

    StoreHealth health() {
        return health;
    }

    Duration heartbeat() {
        return heartbeat;
    }

    boolean closing() {
        return closing;
    }

    /** Registers a live subscription for shutdown; false when the server is closing already. */
    boolean register(SseStream stream) {
        streams.add(stream);
        if (closing) {
            stream.shutdown();
        }
        return !closing;
    }

    /** How many live subscriptions are open. */
    int openSubscriptions() {
        return streams.size();
    }

    void unregister(SseStream stream) {
        streams.remove(stream);
        synchronized (streams) {
            streams.notifyAll();
        }
    }

    /**
     * Shuts down gracefully (see the class comment): subscriptions end, the listening socket closes,
     * requests in flight finish, all within the shutdown timeout; a request still running after it is
     * cut off. Calling it again does nothing.
     */
    @Override
    public void close() {
        Javalin running;
        synchronized (this) {
            if (closed) return;
            closed = true;
            closing = true;
            running = app;
        }
        for (SseStream s : streams) {
            s.shutdown();
        }
        for (ServerExtension extension : extensions) {
            try {
                extension.shutdown();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "shutting down a server extension failed", e);
            }
        }
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        synchronized (streams) {
            while (!streams.isEmpty() && System.nanoTime() < deadline) {
                try {
                    streams.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!streams.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, streams.size() + " subscription(s) did not end within " + shutdownTimeout
                    + "; their connections are closed with the server");
        }
        try {
            if (running != null) {
                stopGracefully(running, deadline);
                running.stop();
            }
        } finally {
            closeOwned();
        }
    }

    /** Stops accepting connections and waits, until the deadline, for the requests in flight to finish. */
    private void stopGracefully(Javalin running, long deadline) {
        long remaining = Math.max(TimeUnit.MILLISECONDS.toNanos(100), deadline - System.nanoTime());
        Server jetty = running.jettyServer().server();
        for (Connector connector : jetty.getConnectors()) {
            // stop accepting connections; the open ones stay, so requests in flight can answer
            if (connector instanceof NetworkConnector network) network.close();
        }
        try {
            GracefulHandler graceful = jetty.getDescendant(GracefulHandler.class);
            if (graceful != null) graceful.shutdown().get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "requests still in flight after the shutdown timeout of " + shutdownTimeout
                    + " are cut off");
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "graceful shutdown failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeOwned() {
        for (ServerExtension extension : extensions) {
            try {
                extension.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing a server extension failed", e);
            }
        }
        try {
            tokenWatch.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the token listener failed", e);
        }
        if (ownsProjections && projections instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing the projection store failed", e);
            }
        }
        if (gcMetrics != null) gcMetrics.close();
        if (ownsRegistry) context.metrics().close();
    }

    /** Configures a {@link FactaServer}; every setting has a default but the event store. */
    public static final class Builder {
        private final EventStore events;
        private final MultiTenantStore tenants;
        private AccessTokens accessTokens;
        private final List<StateView> stateViews = new ArrayList<>();
        private ProjectionStore projections;
        private ProjectionEngine engine;
        private java.util.function.Function<String, Optional<ProjectionEngine>> tenantEngines;
        private String host = "127.0.0.1";
        private int port;
        private String authToken;
        private ServerLimits limits = ServerLimits.DEFAULT;
        private PrometheusMeterRegistry registry;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(15);
        private Duration healthTimeout = Duration.ofSeconds(2);
        private final List<ServerExtension> extensions = new ArrayList<>();
        private final Map<String, HealthCheck> healthChecks = new java.util.LinkedHashMap<>();
        private dev.facta.command.CommandBus commandBus;
        private dev.facta.schema.SchemaRegistry schemas;
        private boolean validateAppends = true;
        private final Map<String, AppEndpoints.CommandRoute> commands = new java.util.LinkedHashMap<>();
        private final Map<String, AppEndpoints.QueryRoute> queries = new java.util.LinkedHashMap<>();

        private Builder(EventStore events) {
            this.events = Objects.requireNonNull(events, "events");
            this.tenants = null;
        }

        private Builder(MultiTenantStore tenants) {
            this.events = null;
            this.tenants = tenants;
        }

        /** The projection store the admin UI shows; default: the one in the event store's database. */
        public Builder projections(ProjectionStore projections) {
            this.projections = Objects.requireNonNull(projections, "projections");
            return this;
        }

        /**
         * The application's projection engine when it runs in this process: the admin UI then retries
         * dead letters through it. It should run on the same projection store as the server. The server
         * neither starts nor closes it.
         */
        public Builder projectionEngine(ProjectionEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * For a multi-tenant server: each tenant's projection engine when it runs in this process (empty
         * when it does not), so that the admin UI retries that tenant's dead letters through it. Each
         * should run on its tenant's projection store ({@code TenantStore.projections()}); the server
         * neither starts nor closes them.
         */
        public Builder tenantProjectionEngines(java.util.function.Function<String, Optional<ProjectionEngine>> engines) {
            this.tenantEngines = Objects.requireNonNull(engines, "engines");
            return this;
        }

        /** The interface to listen on; default {@code 127.0.0.1} (this machine only). */
        public Builder host(String host) {
            if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be empty");
            this.host = host;
            return this;
        }

        /** The port; default 0, any free port ({@link FactaServer#port()} tells which). */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
            this.port = port;
            return this;
        }

        /**
         * The tokens requests authenticate with, and their tenants, grants and admin flags; the
         * registry may change while the server runs (revocations apply at once). Together with
         * {@link #authToken} both are accepted. The server neither closes it nor stops its file watch.
         */
        public Builder accessTokens(AccessTokens tokens) {
            this.accessTokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /** A bearer token with every right (id {@code auth-token}) every request but {@code /health} needs; null or blank: none. */
        public Builder authToken(String token) {
            this.authToken = token;
            return this;
        }

        public Builder limits(ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** How the admin UI's time travel renders a category's state; later views replace earlier ones of a category. */
        public Builder stateView(StateView view) {
            stateViews.removeIf(v -> v.category().equals(view.category()));
            stateViews.add(Objects.requireNonNull(view, "view"));
            return this;
        }

        /** The registry {@code /metrics} shows; default: a new one with JVM metrics, closed with the server. */
        public Builder meterRegistry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** How long {@link FactaServer#close()} waits for subscriptions, and then for requests in flight; default 10 s. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = positive(timeout, "shutdownTimeout");
            return this;
        }

        /** How long a quiet subscription waits before it sends a keep-alive comment; default 15 s. */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = positive(interval, "heartbeat");
            return this;
        }

        /** How long {@code /health} waits for the store before it reports it down; default 2 s. */
        public Builder healthTimeout(Duration timeout) {
            this.healthTimeout = positive(timeout, "healthTimeout");
            return this;
        }

        /**
         * A check {@code /health} runs besides the store's, reported under {@code checks.<name>}; when
         * it is down, throws or outlasts the health timeout, {@code /health} answers 503. Names are
         * 1-40 characters of a-z, 0-9, '_' and '-'; a second check of a name replaces the first.
         */
        public Builder healthCheck(String name, HealthCheck check) {
            if (name == null || !name.matches("[a-z0-9_-]{1,40}")) {
                throw new IllegalArgumentException("a health check's name is 1-40 characters of a-z, 0-9, '_' and '-', got " + name);
            }
            healthChecks.put(name, Objects.requireNonNull(check, "check"));
            return this;
        }

        /** Adds routes (see {@link ServerExtension}); extensions install in the order they were added. */
        public Builder extension(ServerExtension extension) {
            extensions.add(Objects.requireNonNull(extension, "extension"));
            return this;
        }

        /**
         * The event schemas: every appended event's data is then checked against its type's latest
         * schema before anything is stored (unless {@link #validateAppends validateAppends(false)}); a
         * refused event refuses the whole batch with 400 {@code validation_failed}, naming the event's
         * index and the field ({@code "field": "/2/data/lines/0/sku"}). The OpenAPI document shows the
         * schemas. The registry may grow while the server runs.
         */
        public Builder schemas(dev.facta.schema.SchemaRegistry registry) {
            this.schemas = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Whether appends are checked against the {@link #schemas schema registry}; default true. */
        public Builder validateAppends(boolean validate) {
            this.validateAppends = validate;
            return this;
        }

        /**
         * The command bus that {@code POST /commands/{name}} dispatches to (see {@link #command}). The
         * server neither builds nor closes it; its middleware (validation, idempotency, retries) applies.
         */
        public Builder commands(dev.facta.command.CommandBus bus) {
            this.commandBus = Objects.requireNonNull(bus, "bus");
            return this;
        }

        /**
         * Takes a command at {@code POST /commands/{name}}: the JSON body is checked against the JSON
         * Schema of {@code type} and bound to it, then dispatched on the {@link #commands command bus}
         * in the request's tenant, with its {@code Idempotency-Key} and {@code Facta-Correlation-Id}.
         *
         * @param name       the command's name in the URL (a letter, then up to 99 letters, digits, {@code _ . -})
         * @param type       the command's record type; the bus must have a handler for it
         * @param categories the stream categories the command writes: a caller needs write rights on every
         *                   stream of each; none given: the command may write anywhere, and a caller needs write
         *                   rights on every stream
         */
        public Builder command(String name, Class<?> type, String... categories) {
            endpointName(name, commands.containsKey(name), "command");
            commands.put(name, new AppEndpoints.CommandRoute(name, Objects.requireNonNull(type, "type"), categories(categories)));
            return this;
        }

        /**
         * Answers a query at {@code POST /queries/{name}}: the JSON body is checked against the JSON
         * Schema of {@code type}, bound to it, and asked of {@code bus} in the request's tenant; an empty
         * answer (null or an empty {@code Optional}) is 404 {@code not_found}.
         *
         * @param categories the stream categories the query's answers derive from: a caller needs read rights
         *                   on every stream of each; none given: read rights on every stream
         */
        public Builder query(String name, Class<?> type, dev.facta.query.QueryBus bus, String... categories) {
            endpointName(name, queries.containsKey(name), "query");
            queries.put(name, new AppEndpoints.QueryRoute(name, Objects.requireNonNull(type, "type"),
                    Objects.requireNonNull(bus, "bus"), categories(categories)));
            return this;
        }

        private static void endpointName(String name, boolean taken, String what) {
            if (name == null || !AppEndpoints.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a " + what + " name is a letter, then up to 99 letters, digits, '_', '.' and '-'; got "
                        + (name == null ? "none" : "'" + name + "'"));
            }
            if (taken) throw new IllegalArgumentException("a " + what + " named '" + name + "' is registered already");
        }

        private static List<String> categories(String... categories) {
            List<String> out = new ArrayList<>();
            for (String c : categories) {
                if (c == null || c.isEmpty() || c.contains("-")) {
                    throw new IllegalArgumentException("a category is a non-empty name without '-', got '" + c + "'");
                }
                out.add(c);
            }
            return out;
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
            return d;
        }

        public FactaServer build() {
            if (tenants == null && tenantEngines != null) {
                throw new IllegalStateException("tenantProjectionEngines is for a multi-tenant server; use projectionEngine");
            }
            if (tenants != null && (projections != null || engine != null)) {
                throw new IllegalStateException("a multi-tenant server uses each tenant's projection store; it takes no"
                        + " projection store or engine of its own");
            }
            if (!commands.isEmpty() && commandBus == null) {
                throw new IllegalStateException("commands " + commands.keySet() + " need the command bus: call commands(bus)");
            }
            for (AppEndpoints.CommandRoute c : commands.values()) {
                if (commandBus.handledTypes().stream().noneMatch(t -> t.isAssignableFrom(c.type()))) {
                    throw new IllegalStateException("command " + c.name() + ": the command bus has no handler for " + c.type().getName());
                }
            }
            for (AppEndpoints.QueryRoute q : queries.values()) {
                if (!q.bus().handledTypes().contains(q.type())) {
                    throw new IllegalStateException("query " + q.name() + ": its query bus has no handler for " + q.type().getName());
                }
            }
            return new FactaServer(this);
        }
    }
}

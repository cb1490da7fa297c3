package dev.facta.server;

import dev.facta.observability.StoreHealth;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.server.admin.AdminUi;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.memory.InMemoryEventStore;
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
 * <p>Every route, the admin UI's included, keeps the same promises: a request body larger than
 * {@link ServerLimits#maxRequestBytes()} is refused with 413 before it is read whole; when an auth
 * token is set, every request but {@code /health}, {@code POST /admin/login} and the admin UI's
 * static page needs it ({@code Authorization: Bearer <token>} or the session cookie the login sets),
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

    private final EventStore events;
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
    private final Set<SseStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private Javalin app;
    private boolean started;
    private boolean closed;

    private FactaServer(Builder b) {
        this.limits = b.limits;
        this.auth = new Auth(b.authToken);
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
        this.ownsProjections = b.projections == null;
        this.projections = ownsProjections ? projectionStoreFor(b.events) : b.projections;
        this.events = InstrumentedStore.wrap(b.events, registry);
        this.health = new StoreHealth(b.events, b.healthTimeout);
        this.engine = b.engine;
        this.context = new ServerContext(events, Optional.ofNullable(projections), b.stateViews, jsonMapper(limits), registry);
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
        AdminUi.install(routes, context, engine);
    }

    /** The port the server listens on (the one chosen by the system when the builder said 0). */
    public synchronized int port() {
        if (app == null) throw new IllegalStateException("the server is not started");
        return app.port();
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

    /** What the routes share: the (metered) store, projections, state views, JSON mapper and metrics registry. */
    public ServerContext context() {
        return context;
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
        private final List<StateView> stateViews = new ArrayList<>();
        private ProjectionStore projections;
        private ProjectionEngine engine;
        private String host = "127.0.0.1";
        private int port;
        private String authToken;
        private ServerLimits limits = ServerLimits.DEFAULT;
        private PrometheusMeterRegistry registry;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(15);
        private Duration healthTimeout = Duration.ofSeconds(2);

        private Builder(EventStore events) {
            this.events = Objects.requireNonNull(events, "events");
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

        /** The bearer token every request but {@code /health} needs; null or blank: no auth. */
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

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
            return d;
        }

        public FactaServer build() {
            return new FactaServer(this);
        }
    }
}

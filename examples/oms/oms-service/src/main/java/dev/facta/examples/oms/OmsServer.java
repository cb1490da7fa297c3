package dev.facta.examples.oms;

import dev.facta.examples.oms.api.grpc.GrpcHealthService;
import dev.facta.examples.oms.api.grpc.GrpcRequestInterceptor;
import dev.facta.examples.oms.api.grpc.OrderGrpcService;
import dev.facta.examples.oms.api.rest.OrderRestApi;
import dev.facta.examples.oms.app.HealthReport;
import dev.facta.examples.oms.app.OmsApplication;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.ops.OpsEndpoints;
import dev.facta.examples.oms.ops.RequestLog;
import dev.facta.examples.oms.ops.SagaMetrics;
import dev.facta.observability.ProjectionLagMetrics;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The order management service as a running server: {@link OmsApplication} with the REST API and the operations
 * endpoints on one HTTP port and the gRPC API on another. {@link OmsMain} runs one from the command line; a program
 * (the {@code facta demo} command, a test) embeds one:
 *
 * <pre>{@code
 * try (OmsServer oms = OmsServer.start(OmsConfig.of("sqlite:./oms-data/oms.db"), 8080, 9090)) {
 *     System.out.println("REST " + oms.httpUrl() + ", gRPC " + oms.grpcTarget());
 *     ...
 * }
 * }</pre>
 *
 * <p>Metrics: one Prometheus registry holds the JVM's, the command bus's and projections' (from the application),
 * projection lag ({@link ProjectionLagMetrics}), the saga counters ({@link SagaMetrics}) and the request timers
 * ({@link RequestLog}); {@code GET /metrics} serves it.
 *
 * <p>{@link #close()} shuts down gracefully: readiness turns 503 at once (so a load balancer stops sending), both
 * listeners stop accepting, calls in flight finish within the shutdown timeout, then the application closes
 * (process managers and projections stop where they are; nothing committed is lost).
 */
public final class OmsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OmsServer.class.getName());

    /**
     * Where and how the server listens.
     *
     * @param host            the address both listeners bind ({@code 0.0.0.0} for every interface, {@code 127.0.0.1} for this machine only)
     * @param httpPort        REST and operations port; 0 picks a free one
     * @param grpcPort        gRPC port; 0 picks a free one
     * @param logRequests     whether every API request gets a log line (server errors always do)
     * @param metricsInterval how often projection lag and parked saga commands are read for the metrics
     * @param shutdownTimeout how long {@link #close()} waits for calls in flight
     */
    public record Settings(String host, int httpPort, int grpcPort, boolean logRequests, Duration metricsInterval,
                           Duration shutdownTimeout) {
        public Settings {
            Objects.requireNonNull(host, "host");
            port("httpPort", httpPort);
            port("grpcPort", grpcPort);
            positive("metricsInterval", metricsInterval);
            positive("shutdownTimeout", shutdownTimeout);
        }

        /** Every interface, request logs on, metrics read every 5 s, 10 s to drain. */
        public static Settings of(int httpPort, int grpcPort) {
            return new Settings("0.0.0.0", httpPort, grpcPort, true, Duration.ofSeconds(5), Duration.ofSeconds(10));
        }

        public Settings withHost(String h) {
            return new Settings(h, httpPort, grpcPort, logRequests, metricsInterval, shutdownTimeout);
        }

        public Settings withLogRequests(boolean on) {
            return new Settings(host, httpPort, grpcPort, on, metricsInterval, shutdownTimeout);
        }

        public Settings withMetricsInterval(Duration d) {
            return new Settings(host, httpPort, grpcPort, logRequests, d, shutdownTimeout);
        }

        public Settings withShutdownTimeout(Duration d) {
            return new Settings(host, httpPort, grpcPort, logRequests, metricsInterval, d);
        }

        private static void port(String field, int port) {
            if (port < 0 || port > 65535) throw new dev.facta.InvalidInputException(field, field + " must be 0-65535, got " + port);
        }

        private static void positive(String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) throw new dev.facta.InvalidInputException(field, field + " must be positive");
        }
    }

    private final Settings settings;
    private final PrometheusMeterRegistry prometheus;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final OmsApplication app;
    private final ProjectionLagMetrics lagMetrics;
    private final SagaMetrics sagaMetrics;
    private final ExecutorService grpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private final Javalin http;
    private final Server grpc;
    private volatile boolean closing;
    private boolean closed;

    private OmsServer(OmsConfig config, Settings settings) {
        this.settings = settings;
        this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(prometheus);
        new JvmThreadMetrics().bindTo(prometheus);
        new ProcessorMetrics().bindTo(prometheus);
        new UptimeMetrics().bindTo(prometheus);
        gcMetrics.bindTo(prometheus);
        MeterRegistry registry = prometheus;
        if (config.meterRegistry() != null) {
            // the caller's registry gets everything too
            CompositeMeterRegistry both = new CompositeMeterRegistry();
            both.add(prometheus);
            both.add(config.meterRegistry());
            registry = both;
        }
        OmsApplication started = OmsApplication.start(config.toBuilder().meterRegistry(registry).build());
        this.app = started;
        ProjectionLagMetrics lag = null;
        SagaMetrics sagas = null;
        Javalin javalin = null;
        Server server = null;
        try {
            lag = ProjectionLagMetrics.bind(registry, started.eventStore(), started.projectionStore(), settings.metricsInterval());
            sagas = SagaMetrics.bind(registry, started.eventStore(), started.sagaRuntime(), settings.metricsInterval());
            RequestLog requests = new RequestLog(registry, settings.logRequests());
            javalin = startHttp(started, requests);
            server = startGrpc(started, requests);
        } catch (RuntimeException e) {
            if (javalin != null) javalin.stop();
            if (sagas != null) sagas.close();
            if (lag != null) lag.close();
            started.close();
            throw e;
        }
        this.lagMetrics = lag;
        this.sagaMetrics = sagas;
        this.http = javalin;
        this.grpc = server;
    }

    /** Starts the service on {@code config}'s store, REST on {@code httpPort} and gRPC on {@code grpcPort} (0: any free port), every interface. */
    public static OmsServer start(OmsConfig config, int httpPort, int grpcPort) {
        return start(config, Settings.of(httpPort, grpcPort));
    }

    public static OmsServer start(OmsConfig config, Settings settings) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(settings, "settings");
        OmsServer s = new OmsServer(config, settings);
        LOG.log(System.Logger.Level.INFO, "order management service listening: REST {0}, gRPC {1}, metrics {2}",
                s.httpUrl(), s.grpcTarget(), s.httpUrl() + OpsEndpoints.METRICS);
        return s;
    }

    private Javalin startHttp(OmsApplication oms, RequestLog requests) {
        OrderRestApi rest = new OrderRestApi(oms);
        OpsEndpoints ops = new OpsEndpoints(this::readiness, prometheus);
        Javalin javalin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = OrderRestApi.maxRequestBytes();
            config.http.prefer405over404 = true;
            config.http.generateEtags = false;
            config.jetty.modifyServer(server -> {
                // tracks requests in flight so that close() can wait for them
                server.setHandler(new GracefulHandler());
                ErrorHandler errors = new ErrorHandler();
                errors.setShowStacks(false);
                errors.setShowCauses(false);
                server.setErrorHandler(errors);
            });
            config.requestLogger.http((ctx, ms) -> {
                String route = routeOf(ctx);
                boolean opsRoute = route.startsWith("/health") || route.equals(OpsEndpoints.METRICS);
                requests.http(ctx.method().name(), route, ctx.path(), ctx.statusCode(), (long) (ms * 1_000_000.0),
                        OrderRestApi.correlationId(ctx), !opsRoute);
            });
            ops.install(config.routes);
            rest.install(config.routes);
        });
        try {
            javalin.start(settings.host(), settings.httpPort());
        } catch (RuntimeException e) {
            try {
                javalin.stop();
            } catch (RuntimeException ignored) {
                // it never ran
            }
            throw e;
        }
        return javalin;
    }

    /** Readiness for both probes: false the moment shutdown begins, whatever the application says. */
    private HealthReport readiness() {
        return closing ? new HealthReport(false, Map.of("server", "shutting down")) : app.health();
    }

    /** The route as registered ({@code /orders/{id}}), so that ids never make new metric series. */
    private static String routeOf(Context ctx) {
        Endpoint endpoint = null;
        try {
            endpoint = ctx.endpoints().matchedHttpEndpoint();
        } catch (RuntimeException ignored) {
            // nothing matched
        }
        return endpoint == null ? "unmatched" : endpoint.path;
    }

    private Server startGrpc(OmsApplication oms, RequestLog requests) {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.grpcPort()))
                .executor(grpcExecutor)
                .addService(ServerInterceptors.intercept(new OrderGrpcService(oms), new GrpcRequestInterceptor(requests)))
                // grpcurl and other tools list and call the service without the .proto file
                .addService(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance())
                .addService(new GrpcHealthService(this::readiness))
                .build();
        try {
            return server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the gRPC server could not listen on " + settings.host() + ":" + settings.grpcPort(), e);
        }
    }

    /** The REST base URL, e.g. {@code http://localhost:8080}. */
    public String httpUrl() {
        return "http://" + displayHost() + ":" + httpPort();
    }

    /** The gRPC target, e.g. {@code localhost:9090}. */
    public String grpcTarget() {
        return displayHost() + ":" + grpcPort();
    }

    private String displayHost() {
        String h = settings.host();
        if ("0.0.0.0".equals(h) || "::".equals(h)) return "localhost";
        return h.contains(":") ? "[" + h + "]" : h;
    }

    public int httpPort() {
        return http.port();
    }

    public int grpcPort() {
        return grpc.getPort();
    }

    /** The running application (its event store, buses, saga runtime). */
    public OmsApplication app() {
        return app;
    }

    /** The registry {@code /metrics} serves. */
    public PrometheusMeterRegistry registry() {
        return prometheus;
    }

    public SagaMetrics sagaMetrics() {
        return sagaMetrics;
    }

    /** Shuts down gracefully (see the class comment); calling it again does nothing. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        closing = true;
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        grpc.shutdown();
        try {
            stopHttp(deadline);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the HTTP server failed: " + e, e);
        }
        try {
            if (!grpc.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "gRPC calls still running after the shutdown timeout of "
                        + settings.shutdownTimeout() + " are cancelled");
                grpc.shutdownNow();
                grpc.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            grpc.shutdownNow();
            Thread.currentThread().interrupt();
        }
        grpcExecutor.shutdown();
        sagaMetrics.close();
        lagMetrics.close();
        app.close();
        gcMetrics.close();
        prometheus.close();
        LOG.log(System.Logger.Level.INFO, "order management service stopped");
    }

    private void stopHttp(long deadline) {
        org.eclipse.jetty.server.Server jetty = http.jettyServer().server();
        for (Connector connector : jetty.getConnectors()) {
            // stop accepting; open connections stay so that requests in flight can answer
            if (connector instanceof NetworkConnector network) network.close();
        }
        try {
            GracefulHandler graceful = jetty.getDescendant(GracefulHandler.class);
            if (graceful != null) graceful.shutdown().get(Math.max(TimeUnit.MILLISECONDS.toNanos(100), deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "HTTP requests still in flight after the shutdown timeout of "
                    + settings.shutdownTimeout() + " are cut off");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "waiting for HTTP requests in flight failed: " + e.getCause(), e.getCause());
        }
        http.stop();
    }
}

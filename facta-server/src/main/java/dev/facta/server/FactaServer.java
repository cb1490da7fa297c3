package dev.facta.server;

import dev.facta.server.admin.AdminUi;
import dev.facta.store.EventStore;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Facta's HTTP server: the HTTP API over an event store and the admin web UI.
 */
public final class FactaServer implements AutoCloseable {

    private final ServerContext context;
    private final String host;
    private final int requestedPort;
    private Javalin app;

    private FactaServer(Builder builder) {
        this.context = new ServerContext(builder.events, Optional.empty(), builder.stateViews,
                JsonMapper.builder().build(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        this.host = builder.host;
        this.requestedPort = builder.port;
    }

    public static Builder builder(EventStore events) {
        return new Builder(events);
    }

    public synchronized FactaServer start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            AdminUi.install(config.routes, context);
        });
        app.start(host, requestedPort);
        return this;
    }

    public int port() {
        return app.port();
    }

    public ServerContext context() {
        return context;
    }

    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
        }
    }

    /** Configures a {@link FactaServer}. */
    public static final class Builder {
        private final EventStore events;
        private final List<StateView> stateViews = new ArrayList<>();
        private String host = "127.0.0.1";
        private int port;

        private Builder(EventStore events) {
            this.events = Objects.requireNonNull(events, "events");
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder stateView(StateView view) {
            stateViews.add(view);
            return this;
        }

        public FactaServer build() {
            return new FactaServer(this);
        }
    }
}

package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.server.AccessTokens;
import dev.facta.schema.SchemaDirectory;
import dev.facta.schema.SchemaRegistry;
import dev.facta.server.FactaServer;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import io.javalin.util.JavalinBindException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code facta serve}: the HTTP API and the admin web UI on one store, until the process is told to
 * stop (Ctrl-C, SIGTERM). Stopping is graceful: a JVM shutdown hook closes the server, which lets
 * appends in flight finish and ends live subscriptions cleanly, and then the store.
 */
@Command(name = "serve",
        description = {"Run the server: the HTTP API and the admin web UI on one store, until Ctrl-C or SIGTERM.",
                "Prints the URLs of the API and of the admin UI. With --auth-token (or FACTA_AUTH_TOKEN) every request "
                        + "but /health needs 'Authorization: Bearer <token>'; browsers log in at /admin."})
final class ServeCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 7070;

    @Mixin
    StoreOption store;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + DEFAULT_PORT,
            description = "Port to listen on; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Interface to listen on; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--auth-token", paramLabel = "TOKEN", defaultValue = "${env:FACTA_AUTH_TOKEN}",
            description = "Bearer token every request but /health must carry. Default: $FACTA_AUTH_TOKEN, else no auth.")
    String authToken;

    @Option(names = "--tokens", paramLabel = "FILE",
            description = "JSON file of access tokens (tenants, read/write grants on stream prefixes or categories, admin flag; "
                    + "see docs/access-control.md). Read again when it changes; a token removed from it is refused at once and "
                    + "its live subscriptions end. Combines with --auth-token.")
    Path tokens;

    @Option(names = "--schemas", paramLabel = "DIR",
            description = "Folder of event schemas (<Type>/v<N>.json; see docs/openapi.md): every append is checked against its "
                    + "type's latest schema (400 validation_failed naming the event and field; nothing stored), and /openapi.json "
                    + "shows them.")
    Path schemas;

    @Option(names = "--validate-appends", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --schemas, check appends against them (default); --no-validate-appends only shows them in /openapi.json.")
    boolean validateAppends;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (port < 0 || port > 65_535) {
            throw new dev.facta.InvalidInputException("port", "--port must be 0..65535, got " + port);
        }
        // the schemas first: a bad schema file is refused before anything is opened
        SchemaRegistry registry = schemas == null ? null : SchemaDirectory.load(schemas);
        AccessTokens accessTokens = tokens == null ? null : AccessTokens.fromFile(tokens).watch(Duration.ofSeconds(1));
        EventStore es;
        FactaServer server;
        try {
            es = Stores.openForWrite(store.url);
        } catch (RuntimeException e) {
            if (accessTokens != null) accessTokens.close();
            throw e;
        }
        try {
            FactaServer.Builder builder = FactaServer.builder(es).host(host).port(port).authToken(authToken);
            if (accessTokens != null) builder.accessTokens(accessTokens);
            if (registry != null) builder.schemas(registry).validateAppends(validateAppends);
            server = start(builder, host, port);
        } catch (RuntimeException e) {
            es.close();
            if (accessTokens != null) accessTokens.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println("Stopping: finishing requests in flight, ending subscriptions...");
            out.flush();
            try {
                server.close();
            } finally {
                if (accessTokens != null) accessTokens.close();
                es.close();
                out.println("Stopped.");
                out.flush();
                stopped.countDown();
            }
        }, "facta-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        out.println("Facta server on " + es.describe());
        out.println("  HTTP API:  " + server.url());
        out.println("  Admin UI:  " + server.adminUrl());
        out.println("  Health:    " + server.url() + "/health   Metrics: " + server.url() + "/metrics");
        out.println("  OpenAPI:   " + server.url() + "/openapi.json   Swagger UI: " + server.url() + "/docs");
        if (registry != null) {
            out.println("  Schemas:   " + registry.eventTypes().size() + " event type(s) from " + schemas
                    + (validateAppends ? "; appends are checked against them" : "; appends are not checked (--no-validate-appends)"));
        }
        if (accessTokens != null) {
            out.println("  Auth:      " + accessTokens.ids().size() + " token(s) from " + tokens + " (re-read when it changes)"
                    + (authToken == null || authToken.isBlank() ? "" : " and --auth-token"));
        } else if (server.authRequired()) {
            out.println("  Auth:      every request but /health needs 'Authorization: Bearer <token>'; log in to the admin UI with the token");
        } else {
            out.println("  Auth:      none (set --auth-token or FACTA_AUTH_TOKEN to require a token)");
            if (!"127.0.0.1".equals(host) && !"localhost".equals(host) && !"::1".equals(host)) {
                err.println("facta: warning: listening on " + host + " without an auth token: anyone who can reach it can read and write events");
            }
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();
        stopped.await();
        return Main.OK;
    }

    /** Starts the server, turning a port in use into one clear error. */
    static FactaServer start(FactaServer.Builder builder, String host, int port) {
        FactaServer server = builder.build();
        try {
            return server.start();
        } catch (JavalinBindException e) {
            throw new FactaException("cannot listen on " + host + ":" + port + " (" + rootMessage(e)
                    + "); is another server running there? Choose another port with --port");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** The store flag to repeat in printed commands: nothing for the default store, else the redacted URL. */
    static String storeFlag(String url) {
        return StoreOption.DEFAULT.equals(url) ? "" : " --store '" + EventStores.redact(url) + "'";
    }
}

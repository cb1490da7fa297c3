package dev.facta.runtime.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.facta.InvalidInputException;
import dev.facta.runtime.PluginException;
import dev.facta.runtime.PluginInfo;
import dev.facta.runtime.PluginRuntime;
import dev.facta.runtime.RuntimeHealth;
import dev.facta.runtime.ServiceRegistry;
import dev.facta.runtime.internal.JsonCodec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The runtime's admin endpoint, JSON over HTTP on the JDK's server, bound to 127.0.0.1; the
 * {@code facta runtime} command talks to it. With a token, every request but {@code /health}
 * needs {@code Authorization: Bearer <token>}.
 *
 * <pre>
 * GET    /health                 200 {"status":"up", "plugins":{id: state}} or 503 with "down"
 * GET    /plugins                {"plugins":[plugin...]}
 * GET    /plugins/{id}           one plugin: id, version, state, source, services, backoffsMs, lastError, stats
 * POST   /plugins                body {"jar": "/path/to/plugin.jar"}: 201 {"loaded":[ids]}
 * DELETE /plugins/{id}           {"unloaded": id}
 * POST   /plugins/{id}/restart   the plugin after its restart
 * GET    /stats                  {"plugins": {id: stats}}
 * GET    /services               {"services":[{name, owner, type, circuit}]}
 * POST   /config/reload          re-reads the configuration file: {"reloaded": true}
 * </pre>
 * Errors are {@code {"error": code, "message": ...}}: 400 bad_request, 401 unauthorized,
 * 404 not_found, 409 conflict.
 */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final PluginRuntime runtime;
    private final String token;
    private final Supplier<Boolean> reload;

    private AdminServer(PluginRuntime runtime, int port, String token, Supplier<Boolean> reload) throws IOException {
        this.runtime = runtime;
        this.token = token;
        this.reload = reload;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @param port   0 for any free port
     * @param token  null for none
     * @param reload re-reads the configuration; null when the runtime has no file
     */
    public static AdminServer start(PluginRuntime runtime, int port, String token, Supplier<Boolean> reload) {
        try {
            return new AdminServer(runtime, port, token, reload);
        } catch (IOException e) {
            throw new dev.facta.FactaException("cannot open the admin endpoint on port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private record Reply(int status, Object body) {
    }

    private void handle(HttpExchange ex) throws IOException {
        Reply reply;
        try {
            String path = ex.getRequestURI().getPath();
            if (token != null && !path.equals("/health") && !authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
                reply = error(401, "unauthorized", "this endpoint needs Authorization: Bearer <token>");
            } else {
                reply = route(ex.getRequestMethod(), path, ex);
            }
        } catch (PluginException e) {
            int status = switch (e.reason()) {
                case NOT_FOUND -> 404;
                case DUPLICATE, IN_USE -> 409;
                default -> 400;
            };
            reply = error(status, status == 404 ? "not_found" : status == 409 ? "conflict" : "bad_request", e.getMessage());
        } catch (InvalidInputException e) {
            reply = error(400, "bad_request", e.getMessage());
        } catch (RuntimeException e) {
            reply = error(500, "internal", String.valueOf(e.getMessage()));
        }
        byte[] bytes = JsonCodec.write(reply.body()).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Bearer ")) return false;
        return MessageDigest.isEqual(header.substring(7).getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    private Reply route(String method, String path, HttpExchange ex) throws IOException {
        List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/+"));
        String head = parts.getFirst();
        switch (head) {
            case "health" -> {
                RuntimeHealth h = runtime.health();
                return new Reply(h.up() ? 200 : 503, Map.of("status", h.up() ? "up" : "down", "plugins", h.plugins()));
            }
            case "stats" -> {
                Map<String, Object> stats = new LinkedHashMap<>();
                for (PluginInfo p : runtime.plugins()) stats.put(p.id(), p.stats());
                return new Reply(200, Map.of("plugins", stats));
            }
            case "services" -> {
                return new Reply(200, Map.of("services", runtime.registry().list().stream().map(AdminServer::json).toList()));
            }
            case "config" -> {
                if (!method.equals("POST") || parts.size() != 2 || !parts.get(1).equals("reload")) break;
                if (reload == null) return error(409, "conflict", "the runtime was started without a configuration file");
                reload.get();
                return new Reply(200, Map.of("reloaded", true));
            }
            case "plugins" -> {
                if (parts.size() == 1 && method.equals("GET")) {
                    return new Reply(200, Map.of("plugins", runtime.plugins().stream().map(AdminServer::json).toList()));
                }
                if (parts.size() == 1 && method.equals("POST")) {
                    Map<String, Object> body = JsonCodec.readObject(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "body");
                    if (!(body.get("jar") instanceof String jar) || jar.isBlank()) {
                        throw new InvalidInputException("jar", "the body must be {\"jar\": \"/path/to/plugin.jar\"}");
                    }
                    return new Reply(201, Map.of("loaded", runtime.loadJar(Path.of(jar))));
                }
                String id = parts.size() > 1 ? parts.get(1) : "";
                if (parts.size() == 2 && method.equals("GET")) return new Reply(200, json(runtime.plugin(id)));
                if (parts.size() == 2 && method.equals("DELETE")) {
                    runtime.unload(id);
                    return new Reply(200, Map.of("unloaded", id));
                }
                if (parts.size() == 3 && parts.get(2).equals("restart") && method.equals("POST")) {
                    runtime.restart(id);
                    return new Reply(200, json(runtime.plugin(id)));
                }
            }
            default -> {
                return error(404, "not_found", "no such endpoint: " + method + " " + path);
            }
        }
        return error(404, "not_found", "no such endpoint: " + method + " " + path);
    }

    private static Reply error(int status, String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", code);
        m.put("message", message);
        return new Reply(status, m);
    }

    static Map<String, Object> json(PluginInfo p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("version", p.version());
        m.put("state", p.state().name().toLowerCase(java.util.Locale.ROOT));
        m.put("source", p.source());
        m.put("dependencies", p.dependencies().stream().sorted().toList());
        m.put("services", p.services());
        m.put("backoffsMs", p.backoffs().stream().map(Duration::toMillis).toList());
        m.put("lastError", p.lastError());
        m.put("stats", p.stats());
        return m;
    }

    private static Map<String, Object> json(ServiceRegistry.ServiceInfo s) {
        return Map.of("name", s.name(), "owner", s.owner(), "type", s.type(), "circuit", s.circuit());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

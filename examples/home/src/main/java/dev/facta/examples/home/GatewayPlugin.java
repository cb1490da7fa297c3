package dev.facta.examples.home;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.facta.InvalidInputException;
import dev.facta.examples.home.api.DeviceService;
import dev.facta.examples.home.api.LogService;
import dev.facta.runtime.Plugin;
import dev.facta.runtime.PluginContext;
import dev.facta.runtime.ServiceException;
import dev.facta.runtime.ServiceKey;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Executors;

/**
 * The home's HTTP API, a plugin like the others: it knows the devices and the logger only as
 * services. Setting {@code port} (0: any free port, announced by the {@code gateway} service's
 * {@code port} method and in the log).
 *
 * <pre>
 * GET  /devices            every device
 * GET  /devices/{id}       one device; 404 when unknown
 * PUT  /devices/{id}       body: attributes to set; 400 for bad JSON or attributes
 * GET  /log?limit=N        the logger's latest lines
 * </pre>
 * A service that is not running answers 503, one over its rate limit 429, one too slow 504.
 */
public final class GatewayPlugin implements Plugin {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private HttpServer server;

    @Override
    public String id() {
        return "gateway";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public void start(PluginContext context) throws IOException {
        int port = ((Number) context.settings().getOrDefault("port", 8080)).intValue();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/devices", ex -> handle(ex, () -> devices(context, ex)));
        server.createContext("/log", ex -> handle(ex, () -> log(context, ex)));
        server.start();
        int bound = server.getAddress().getPort();
        context.services().register(ServiceKey.json("gateway"), (method, json) -> "{\"port\":" + bound + "}");
        context.logger().log(System.Logger.Level.INFO, "home gateway on http://127.0.0.1:" + bound);
    }

    @Override
    public void stop() {
        if (server != null) server.stop(0);
        server = null;
    }

    private interface Route {
        Object run() throws IOException;
    }

    private record Reply(int status, Object body) {
    }

    private Object devices(PluginContext context, HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String id = path.length() > "/devices/".length() ? path.substring("/devices/".length()) : null;
        String method = ex.getRequestMethod();
        if (id == null) {
            if (!method.equals("GET")) return new Reply(405, error("method_not_allowed", method + " /devices"));
            return Map.of("devices", context.services().call(DeviceService.KEY, DeviceService::list));
        }
        if (method.equals("GET")) {
            return context.services().call(DeviceService.KEY, d -> d.get(id))
                    .<Object>map(d -> d).orElseGet(() -> new Reply(404, error("not_found", "no device " + id)));
        }
        if (method.equals("PUT") || method.equals("POST")) {
            Map<String, Object> attributes = readObject(ex.getRequestBody());
            return context.services().call(DeviceService.KEY, d -> d.set(id, attributes));
        }
        return new Reply(405, error("method_not_allowed", method + " " + path));
    }

    private Object log(PluginContext context, HttpExchange ex) {
        String query = ex.getRequestURI().getQuery();
        int limit = 100;
        if (query != null && query.startsWith("limit=")) {
            try {
                limit = Integer.parseInt(query.substring("limit=".length()));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("limit", "limit must be a whole number");
            }
        }
        int n = Math.max(1, Math.min(1000, limit));
        return Map.of("lines", context.services().call(LogService.KEY, l -> l.recent(n)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readObject(InputStream body) throws IOException {
        try {
            Object v = JSON.readValue(body.readAllBytes(), Object.class);
            if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        } catch (JacksonException e) {
            throw new InvalidInputException("body", "malformed JSON: " + e.getOriginalMessage());
        }
        throw new InvalidInputException("body", "expected a JSON object of attributes");
    }

    private static void handle(HttpExchange ex, Route route) throws IOException {
        Reply reply;
        try {
            Object result = route.run();
            reply = result instanceof Reply r ? r : new Reply(200, result);
        } catch (ServiceException e) {
            Throwable cause = e.getCause();
            if (e.reason() == ServiceException.Reason.FAILED && cause instanceof InvalidInputException bad) {
                reply = new Reply(400, error("bad_request", bad.getMessage()));
            } else if (e.reason() == ServiceException.Reason.FAILED && cause instanceof NoSuchElementException missing) {
                reply = new Reply(404, error("not_found", missing.getMessage()));
            } else {
                int status = switch (e.reason()) {
                    case RATE_LIMITED -> 429;
                    case TIMEOUT -> 504;
                    case NOT_FOUND, CIRCUIT_OPEN -> 503;
                    default -> 500;
                };
                reply = new Reply(status, error(e.reason().name().toLowerCase(java.util.Locale.ROOT), e.getMessage()));
            }
        } catch (InvalidInputException e) {
            reply = new Reply(400, error("bad_request", e.getMessage()));
        } catch (RuntimeException e) {
            reply = new Reply(500, error("internal", String.valueOf(e.getMessage())));
        }
        byte[] bytes = JSON.writeValueAsString(reply.body()).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, Object> error(String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", code);
        m.put("message", message);
        return m;
    }
}

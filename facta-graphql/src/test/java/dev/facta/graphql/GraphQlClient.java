package dev.facta.graphql;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A GraphQL client over real sockets: HTTP requests and graphql-transport-ws WebSockets. */
final class GraphQlClient {
    /** Decimals as sent: 12.50 stays 12.50. */
    static final JsonMapper JSON = JsonMapper.builder().enable(tools.jackson.databind.cfg.JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(tools.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String token;
    private final String tenant;

    GraphQlClient(String base, String token, String tenant) {
        this.base = base;
        this.token = token;
        this.tenant = tenant;
    }

    GraphQlClient withToken(String t) {
        return new GraphQlClient(base, t, tenant);
    }

    GraphQlClient withTenant(String t) {
        return new GraphQlClient(base, token, t);
    }

    record Response(int status, String contentType, JsonNode body) {
    }

    Response post(String query) {
        return post(query, Map.of());
    }

    Response post(String query, Map<String, Object> variables) {
        return postRaw(JSON.writeValueAsString(Map.of("query", query, "variables", variables)), null);
    }

    Response postRaw(String body, String accept) {
        HttpRequest.Builder b = request(URI.create(base + "/graphql")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (accept != null) b.header("Accept", accept);
        return send(b.build());
    }

    Response get(String query) {
        return send(request(URI.create(base + "/graphql?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))).GET().build());
    }

    /** GET of another path of the server, such as {@code /openapi.json}. */
    Response getPath(String path) {
        return send(request(URI.create(base + path)).GET().build());
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (tenant != null) b.header("Facta-Tenant", tenant);
        return b;
    }

    private static Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.body().isEmpty() ? null : JSON.readTree(r.body());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), body);
        } catch (Exception e) {
            throw new AssertionError("request failed: " + e, e);
        }
    }

    /** Opens a graphql-transport-ws socket; the token goes in the Authorization header when {@code tokenInHeader}. */
    Socket connect(boolean tokenInHeader) {
        return connect(tokenInHeader, null);
    }

    /** With an Origin header, as a browser page of that origin sends. */
    Socket connect(boolean tokenInHeader, String origin) {
        Socket s = new Socket();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().subprotocols("graphql-transport-ws").connectTimeout(Duration.ofSeconds(5));
        if (tokenInHeader && token != null) b.header("Authorization", "Bearer " + token);
        if (tenant != null) b.header("Facta-Tenant", tenant);
        if (origin != null) b.header("Origin", origin);
        s.socket = b.buildAsync(URI.create(base.replace("http://", "ws://") + "/graphql"), s).join();
        return s;
    }

    /** One socket's received messages, and how it closed. */
    static final class Socket implements WebSocket.Listener {
        final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<int[]> closed = new CompletableFuture<>();
        volatile String closeReason;
        private final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(JSON.readTree(partial.toString()));
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(new int[]{statusCode});
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        void send(Object message) {
            socket.sendText(JSON.writeValueAsString(message), true).join();
        }

        void sendText(String text) {
            socket.sendText(text, true).join();
        }

        /** Sends connection_init and expects the ack. */
        Socket init(Map<String, Object> payload) {
            send(payload == null ? Map.of("type", "connection_init") : Map.of("type", "connection_init", "payload", payload));
            JsonNode ack = next();
            if (!"connection_ack".equals(ack.get("type").asString())) throw new AssertionError("expected connection_ack, got " + ack);
            return this;
        }

        void subscribe(String id, String query) {
            send(Map.of("type", "subscribe", "id", id, "payload", Map.of("query", query)));
        }

        JsonNode next() {
            try {
                JsonNode m = messages.poll(15, TimeUnit.SECONDS);
                if (m == null) throw new AssertionError("no message within 15 s");
                return m;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /** The next message, or null when none comes within the time. */
        JsonNode poll(Duration wait) {
            try {
                return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        int awaitClose() {
            try {
                return closed.get(15, TimeUnit.SECONDS)[0];
            } catch (Exception e) {
                throw new AssertionError("the socket did not close: " + e, e);
            }
        }

        void abort() {
            if (socket != null) socket.abort();
        }
    }
}

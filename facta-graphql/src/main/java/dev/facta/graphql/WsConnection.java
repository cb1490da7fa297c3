package dev.facta.graphql;

import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionStore;
import dev.facta.server.ApiException;
import dev.facta.server.FactaServer;
import dev.facta.server.ServerContext;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import io.javalin.websocket.WsContext;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One WebSocket connection speaking graphql-transport-ws: {@code connection_init} (the token in the
 * upgrade's Authorization header or in the payload) is answered with {@code connection_ack};
 * {@code subscribe} starts an operation whose results come as {@code next} messages and end with
 * {@code complete} (or {@code error} for an operation refused whole); {@code complete} from the client
 * stops one; {@code ping} gets {@code pong}. Protocol violations close the socket with the protocol's
 * 44xx codes. When the caller loses the right to read read models, every operation gets an
 * {@code error} ({@code access_revoked}) and the socket closes with 4403; when the server shuts down,
 * with {@code shutdown} and 1001.
 */
final class WsConnection implements LiveFeeds.Owner, Reads.Live {
    private static final System.Logger LOG = System.getLogger(WsConnection.class.getName());
    private static final int MAX_ID_LENGTH = 128;
    /** Messages queued on a socket that does not read: past this the client is too slow and is dropped. */
    private static final int MAX_OUTSTANDING = 256;

    private final GraphQlExtension extension;
    private final WsContext ws;
    private final Session session;
    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<String, List<String>> queryParams;
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Object sendLock = new Object();
    private volatile ServerContext scope;
    private volatile ProjectionStore projections;
    private volatile boolean initReceived;
    private volatile boolean acknowledged;
    private volatile boolean ended;

    WsConnection(GraphQlExtension extension, WsContext ws, GraphQlExtension.Upgrade upgrade) {
        this.extension = extension;
        this.ws = ws;
        this.session = ws.session;
        this.headers.putAll(ws.headerMap());
        this.queryParams = Map.copyOf(ws.queryParamMap());
        if (upgrade != null) {
            this.scope = upgrade.context();
            this.projections = GraphQlExtension.readableProjections(upgrade.context());
        }
    }

    void opened() {
        GraphQlLimits limits = extension.limits();
        session.setMaxTextMessageSize(limits.maxQueryChars() * 4L + 65_536);
        // clients need not ping (graphql-ws does not by default): WebSocket pings keep a quiet subscription open
        session.setIdleTimeout(Duration.ofMinutes(2));
        ws.enableAutomaticPings(30, java.util.concurrent.TimeUnit.SECONDS);
        Thread.ofVirtual().name("facta-graphql-init-timeout").start(() -> {
            try {
                Thread.sleep(limits.connectionInitTimeout());
            } catch (InterruptedException e) {
                return;
            }
            if (!initReceived) close(4408, "Connection initialisation timeout");
        });
    }

    // ------------------------------------------------------------------ inbound

    void message(String text) {
        if (ended) return;
        JsonNode m;
        try {
            m = GraphQlExtension.readTree(text);
        } catch (InvalidInputException e) {
            close(4400, "Invalid message received");
            return;
        }
        JsonNode type = m.isObject() ? m.get("type") : null;
        if (type == null || !type.isString()) {
            close(4400, "Invalid message received");
            return;
        }
        switch (type.asString()) {
            case "connection_init" -> init(m.get("payload"));
            case "ping" -> send(GraphQlExtension.object("type", "pong"));
            case "pong" -> {
            }
            case "subscribe" -> subscribe(m);
            case "complete" -> {
                JsonNode id = m.get("id");
                if (id == null || !id.isString()) {
                    close(4400, "Invalid message received");
                    return;
                }
                Operation op = operations.remove(id.asString());
                if (op != null) op.cancel();
            }
            default -> close(4400, "Invalid message received");
        }
    }

    private void init(JsonNode payload) {
        if (initReceived) {
            close(4429, "Too many initialisation requests");
            return;
        }
        initReceived = true;
        if (payload != null && !payload.isNull() && !payload.isObject()) {
            close(4400, "Invalid message received");
            return;
        }
        if (scope == null) {
            try {
                ServerContext sc = payloadScope(payload);
                ProjectionStore ps = GraphQlExtension.readableProjections(sc);
                scope = sc;
                projections = ps;
            } catch (ApiException e) {
                close(4403, "Forbidden: " + e.code());
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "authenticating a GraphQL WebSocket failed", e);
                close(4500, "Internal error");
                return;
            }
        }
        if (extension.host().closing()) {
            close(1001, "server shutting down");
            return;
        }
        acknowledged = true;
        send(GraphQlExtension.object("type", "connection_ack"));
    }

    private void subscribe(JsonNode m) {
        if (!acknowledged) {
            close(4401, "Unauthorized");
            return;
        }
        JsonNode idNode = m.get("id");
        if (idNode == null || !idNode.isString() || idNode.asString().isEmpty() || idNode.asString().length() > MAX_ID_LENGTH) {
            close(4400, "Invalid message received");
            return;
        }
        String id = idNode.asString();
        if (operations.containsKey(id)) {
            close(4409, "Subscriber for " + (id.length() > 64 ? id.substring(0, 64) : id) + " already exists");
            return;
        }
        if (!mayContinue()) return;
        GraphQlRequest request;
        try {
            request = GraphQlRequest.fromJson(m.get("payload"), extension.limits());
        } catch (InvalidInputException e) {
            send(GraphQlExtension.object("type", "error", "id", id, "payload", List.of(GraphQlExtension.object("message", e.getMessage(),
                    "extensions", Map.of("code", "bad_request")))));
            return;
        }
        if (operations.size() >= extension.limits().maxSubscriptions()) {
            send(GraphQlExtension.object("type", "error", "id", id, "payload", List.of(GraphQlExtension.object("message",
                    "this connection has " + operations.size() + " operations open, the limit", "extensions", Map.of("code", "too_many")))));
            return;
        }
        Operation op = new Operation(id);
        operations.put(id, op);
        ExecutionResult result = extension.execute(request, new Reads(projections, this));
        if (result.getData() instanceof Publisher<?> publisher) {
            @SuppressWarnings("unchecked")
            Publisher<ExecutionResult> results = (Publisher<ExecutionResult>) publisher;
            results.subscribe(op);
            return;
        }
        operations.remove(id, op);
        if (!result.isDataPresent() && !result.getErrors().isEmpty()) {
            List<Object> errors = new ArrayList<>();
            for (GraphQLError e : result.getErrors()) errors.add(e.toSpecification());
            send(GraphQlExtension.object("type", "error", "id", id, "payload", errors));
        } else {
            send(GraphQlExtension.object("type", "next", "id", id, "payload", result.toSpecification()));
            send(GraphQlExtension.object("type", "complete", "id", id));
        }
    }

    /**
     * The caller's scope from connection_init's payload (browsers cannot set headers on a WebSocket):
     * its token, and its tenant or else the upgrade's tenant header or parameter.
     */
    private ServerContext payloadScope(JsonNode payload) {
        String token = null;
        String tenant = null;
        if (payload != null && payload.isObject()) {
            token = text(payload, "Authorization", "authorization", "token", "authToken");
            if (token != null && token.regionMatches(true, 0, "Bearer ", 0, 7)) token = token.substring(7);
            tenant = text(payload, FactaServer.TENANT_HEADER, "tenant");
        }
        if (tenant == null) tenant = headers.get(FactaServer.TENANT_HEADER);
        if (tenant == null) {
            List<String> values = queryParams.get("tenant");
            tenant = values == null || values.isEmpty() ? null : values.getFirst();
        }
        return extension.host().context(token, tenant);
    }

    private static String text(JsonNode payload, String... names) {
        for (String n : names) {
            JsonNode v = payload.get(n);
            if (v != null && v.isString()) return v.asString();
        }
        return null;
    }

    // ------------------------------------------------------------------ live subscriptions

    @Override
    public Flow.Publisher<Object> watch(java.util.function.Supplier<?> reader, java.util.function.Function<Object, Object> parse) {
        return extension.feeds().source(projections, scope.events(), this, reader, parse);
    }

    /**
     * Whether the connection may go on: its caller may still read read models and the server is not
     * closing. When not, it ends the connection (once) and answers false.
     */
    @Override
    public boolean mayContinue() {
        if (ended) return false;
        if (extension.host().closing()) {
            shutdown();
            return false;
        }
        ServerContext sc = scope;
        if (sc != null && !sc.access().readsEverything()) {
            end("access_revoked", "the token no longer may read every stream, so no read models", 4403, "Forbidden");
            return false;
        }
        return true;
    }

    /** Ends the connection for the server's shutdown. */
    void shutdown() {
        end("shutdown", "the server is shutting down", 1001, "server shutting down");
    }

    /** Every open operation gets an error, then the socket closes. */
    private void end(String code, String message, int status, String reason) {
        synchronized (this) {
            if (ended) return;
            ended = true;
        }
        List<Operation> open = new ArrayList<>(operations.values());
        operations.clear();
        for (Operation op : open) {
            op.cancel();
            send(GraphQlExtension.object("type", "error", "id", op.id, "payload", List.of(GraphQlExtension.object("message", message,
                    "extensions", Map.of("code", code)))));
        }
        closeSocket(status, reason);
    }

    /** The socket closed (by either side): stop every operation. */
    void closed() {
        ended = true;
        for (Operation op : operations.values()) op.cancel();
        operations.clear();
    }

    private void close(int status, String reason) {
        synchronized (this) {
            if (ended) return;
            ended = true;
        }
        for (Operation op : operations.values()) op.cancel();
        operations.clear();
        closeSocket(status, reason);
    }

    private void closeSocket(int status, String reason) {
        synchronized (sendLock) {
            try {
                if (session.isOpen()) session.close(status, reason, Callback.NOOP);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a GraphQL WebSocket failed", e);
            }
        }
    }

    private void send(Map<String, Object> message) {
        String text = GraphQlExtension.JSON.writeValueAsString(message);
        synchronized (sendLock) {
            if (!session.isOpen()) return;
            if (outstanding.incrementAndGet() > MAX_OUTSTANDING) {
                outstanding.decrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "a GraphQL WebSocket client reads too slowly; closing it");
                Thread.ofVirtual().start(() -> close(1013, "client too slow"));
                return;
            }
            session.sendText(text, Callback.from(outstanding::decrementAndGet, e -> outstanding.decrementAndGet()));
        }
    }

    /** One subscribe operation: a subscriber to the GraphQL results that sends them as next messages. */
    private final class Operation implements Subscriber<ExecutionResult> {
        final String id;
        private volatile Subscription subscription;
        private volatile boolean cancelled;

        Operation(String id) {
            this.id = id;
        }

        void cancel() {
            cancelled = true;
            Subscription s = subscription;
            if (s != null) s.cancel();
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            if (cancelled) {
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ExecutionResult result) {
            if (cancelled) return;
            send(GraphQlExtension.object("type", "next", "id", id, "payload", result.toSpecification()));
        }

        @Override
        public void onError(Throwable t) {
            if (cancelled || !operations.remove(id, this)) return;
            String message = t instanceof InvalidInputException ? t.getMessage() : "the subscription failed";
            if (!(t instanceof InvalidInputException)) LOG.log(System.Logger.Level.ERROR, "a GraphQL subscription failed", t);
            send(GraphQlExtension.object("type", "error", "id", id, "payload", List.of(GraphQlExtension.object("message", message,
                    "extensions", Map.of("code", t instanceof InvalidInputException ? "bad_request" : "internal")))));
        }

        @Override
        public void onComplete() {
            if (cancelled || !operations.remove(id, this)) return;
            send(GraphQlExtension.object("type", "complete", "id", id));
        }
    }
}

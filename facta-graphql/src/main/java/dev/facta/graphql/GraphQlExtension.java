package dev.facta.graphql;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionStore;
import dev.facta.server.ApiException;
import dev.facta.server.ServerContext;
import dev.facta.server.ServerExtension;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.schema.GraphQLSchema;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import org.reactivestreams.Publisher;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The read models of a {@link dev.facta.server.FactaServer} over GraphQL: queries at {@code POST /graphql}
 * (and {@code GET /graphql?query=...}), live subscriptions over WebSocket at {@code /graphql} with the
 * graphql-transport-ws protocol. Register it with {@code FactaServer.builder(store).extension(new
 * GraphQlExtension(models))}.
 *
 * <p>Every request keeps the server's promises: the same bearer tokens, tenants and rights as the admin
 * API's read-model endpoints (read models are derived from events of every stream, so only a caller who
 * may read every stream sees them: else 403 {@code forbidden}), errors of the request itself (401, 403,
 * tenant errors) in the server's {@code {"error", "message"}} shape, and errors of the GraphQL query in
 * the standard {@code errors} array. Queries are bounded in depth, cost and page size
 * ({@link GraphQlLimits}). A live subscription ends with an error when its caller's token is revoked or
 * narrowed and when the server shuts down.
 */
public final class GraphQlExtension implements ServerExtension {
    private static final System.Logger LOG = System.getLogger(GraphQlExtension.class.getName());
    /** The path of the HTTP and WebSocket endpoint. */
    public static final String PATH = "/graphql";
    static final String GRAPHQL_RESPONSE = "application/graphql-response+json";
    static final String UPGRADE_ATTRIBUTE = "facta.graphql.upgrade";

    static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private final GraphQlLimits limits;
    private final GraphQLSchema schema;
    private final GraphQL graphQL;
    private final Set<WsConnection> connections = ConcurrentHashMap.newKeySet();
    private final Map<String, WsConnection> bySession = new ConcurrentHashMap<>();
    private volatile LiveFeeds feeds;
    private volatile Host host;
    private AutoCloseable accessWatch;
    private final Set<String> allowedOrigins = ConcurrentHashMap.newKeySet();

    /** With the {@link GraphQlLimits#DEFAULT default limits}. */
    public GraphQlExtension(GraphQlReadModels models) {
        this(models, GraphQlLimits.DEFAULT);
    }

    /**
     * @throws IllegalArgumentException a declared record cannot be exposed (see {@link GraphQlReadModels})
     */
    public GraphQlExtension(GraphQlReadModels models, GraphQlLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.schema = SchemaFactory.build(Objects.requireNonNull(models, "models"), limits);
        this.graphQL = GraphQL.newGraphQL(schema)
                .instrumentation(new ChainedInstrumentation(List.of(
                        new MaxQueryDepthInstrumentation(limits.maxDepth()),
                        new MaxQueryComplexityInstrumentation(limits.maxComplexity(), GraphQlExtension::complexity))))
                .defaultDataFetcherExceptionHandler(new Failures())
                .build();
    }

    /**
     * Lets browser pages of these origins ({@code https://app.example.com}) open WebSockets here. A
     * WebSocket carries no CORS check, so by default an upgrade that names an {@code Origin} other than
     * the server's own is refused (403): else any page a user visits could open one with the user's
     * session cookie. Clients outside browsers send no Origin and are not concerned.
     */
    public GraphQlExtension allowOrigins(String... origins) {
        for (String o : origins) allowedOrigins.add(Objects.requireNonNull(o, "origin").toLowerCase(java.util.Locale.ROOT));
        return this;
    }

    /** The schema the endpoint serves. */
    public GraphQLSchema schema() {
        return schema;
    }

    @Override
    public synchronized void install(RoutesConfig routes, Host host) {
        if (this.host != null) throw new IllegalStateException("a GraphQlExtension serves one server");
        this.host = host;
        this.feeds = new LiveFeeds(limits, host::closing);
        this.accessWatch = host.onAccessChange(this::recheck);
        routes.post(PATH, this::http);
        routes.get(PATH, this::http);
        routes.wsBeforeUpgrade(PATH, this::upgrade);
        routes.ws(PATH, ws -> {
            ws.onConnect(ctx -> {
                WsConnection c = new WsConnection(this, ctx, ctx.attribute(UPGRADE_ATTRIBUTE));
                connections.add(c);
                bySession.put(ctx.sessionId(), c);
                c.opened();
            });
            ws.onMessage(ctx -> {
                WsConnection c = bySession.get(ctx.sessionId());
                if (c != null) c.message(ctx.message());
            });
            ws.onClose(ctx -> {
                WsConnection c = bySession.remove(ctx.sessionId());
                if (c != null) {
                    connections.remove(c);
                    c.closed();
                }
            });
            ws.onError(ctx -> {
                WsConnection c = bySession.remove(ctx.sessionId());
                if (c != null) {
                    connections.remove(c);
                    c.closed();
                }
            });
        });
    }

    /** {@code /graphql} in the server's OpenAPI document: queries over GET and POST, subscriptions over WebSocket. */
    @Override
    public void describe(tools.jackson.databind.node.ObjectNode paths) {
        tools.jackson.databind.node.ObjectNode item = paths.putObject(PATH);
        String common = "GraphQL over HTTP: the read models as queries (the schema by introspection). Needs a caller that"
                + " reads every stream; answers {data, errors}. The same path upgrades to a WebSocket for subscriptions"
                + " (graphql-transport-ws).";
        for (String method : new String[]{"get", "post"}) {
            tools.jackson.databind.node.ObjectNode op = item.putObject(method);
            op.putArray("tags").add("graphql");
            op.put("summary", method.equals("get")
                    ? "Run a GraphQL query given as query parameters" : "Run a GraphQL query").put("description", common);
            op.putArray("parameters").addObject().put("$ref", "#/components/parameters/Tenant");
            if (method.equals("get")) {
                for (String p : new String[]{"query", "operationName", "variables"}) {
                    tools.jackson.databind.node.ObjectNode param = ((tools.jackson.databind.node.ArrayNode) op.get("parameters")).addObject();
                    param.put("name", p).put("in", "query").put("required", p.equals("query"));
                    param.putObject("schema").put("type", "string");
                }
            } else {
                tools.jackson.databind.node.ObjectNode body = op.putObject("requestBody").put("required", true)
                        .putObject("content").putObject("application/json").putObject("schema").put("type", "object");
                body.putArray("required").add("query");
                tools.jackson.databind.node.ObjectNode props = body.putObject("properties");
                props.putObject("query").put("type", "string");
                props.putObject("operationName").put("type", "string");
                props.putObject("variables").put("type", "object");
            }
            tools.jackson.databind.node.ObjectNode responses = op.putObject("responses");
            responses.putObject("200").put("description", "The result: data, and errors for a query that ran in part or not at all")
                    .putObject("content").putObject("application/json").putObject("schema").put("type", "object");
            responses.putObject("400").put("$ref", "#/components/responses/BadRequest");
            responses.putObject("401").put("$ref", "#/components/responses/Unauthorized");
            responses.putObject("403").put("$ref", "#/components/responses/Forbidden");
            responses.putObject("404").put("$ref", "#/components/responses/NotFound");
        }
    }

    /** The server starts shutting down: every connection ends with a {@code shutdown} error while it can still be sent. */
    @Override
    public void shutdown() {
        endAll();
    }

    @Override
    public void close() {
        endAll();
        LiveFeeds f = feeds;
        if (f != null) f.close();
        AutoCloseable w = accessWatch;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "stopping the GraphQL token listener failed", e);
            }
        }
    }

    GraphQlLimits limits() {
        return limits;
    }

    LiveFeeds feeds() {
        return feeds;
    }

    Host host() {
        return host;
    }

    /** How many WebSocket connections are open (for tests). */
    int openConnections() {
        return connections.size();
    }

    // ------------------------------------------------------------------ HTTP

    private void http(Context ctx) {
        Reads reads = new Reads(readableProjections(host.context(ctx)), null);
        boolean strict = prefersGraphQlResponse(ctx.header("Accept"));
        GraphQlRequest request;
        try {
            request = ctx.method() == HandlerType.POST ? GraphQlRequest.fromBody(ctx.body(), limits)
                    : GraphQlRequest.fromParameters(ctx.queryParam("query"), ctx.queryParam("variables"), ctx.queryParam("operationName"),
                    limits);
        } catch (InvalidInputException e) {
            respond(ctx, 400, strict, Map.of("errors", List.of(Map.of("message", e.getMessage(),
                    "extensions", Map.of("code", "bad_request")))));
            return;
        }
        ExecutionResult result = execute(request, reads);
        if (result.getData() instanceof Publisher<?>) {
            respond(ctx, 400, strict, errors("subscriptions are served over WebSocket (graphql-transport-ws) at " + PATH, "bad_request"));
            return;
        }
        int status = strict && !result.isDataPresent() ? 400 : 200;
        respond(ctx, status, strict, result.toSpecification());
    }

    private static void respond(Context ctx, int status, boolean strict, Object body) {
        ctx.status(status);
        ctx.header("Cache-Control", "no-store");
        ctx.contentType((strict ? GRAPHQL_RESPONSE : "application/json") + "; charset=utf-8");
        ctx.result(JSON.writeValueAsString(body));
    }

    /** Whether the client asks for application/graphql-response+json (the GraphQL-over-HTTP media type). */
    private static boolean prefersGraphQlResponse(String accept) {
        if (accept == null) return false;
        for (String part : accept.split(",")) {
            String type = part.split(";")[0].trim();
            if (type.equalsIgnoreCase(GRAPHQL_RESPONSE)) return true;
            if (type.equalsIgnoreCase("application/json")) return false;
        }
        return false;
    }

    static Map<String, Object> errors(String message, String code) {
        return Map.of("errors", List.of(Map.of("message", message, "extensions", Map.of("code", code))));
    }

    /**
     * The caller's projection store, when the caller may read read models (every stream).
     *
     * @throws ApiException 403 {@code forbidden}, 409 {@code no_projection_store}
     */
    static ProjectionStore readableProjections(ServerContext sc) {
        if (!sc.access().readsEverything()) {
            throw new ApiException(403, "forbidden", "read models are derived from events of any stream: only a token that may"
                    + " read every stream sees them");
        }
        return sc.projections().orElseThrow(() -> new ApiException(409, "no_projection_store",
                "this server's store (" + sc.events().describe() + ") keeps no projections, so no read models"));
    }

    /** Runs one GraphQL request; never throws for a bad query (its errors are in the result). */
    ExecutionResult execute(GraphQlRequest request, Reads reads) {
        ExecutionInput input = ExecutionInput.newExecutionInput().query(request.query()).operationName(request.operationName())
                .variables(request.variables()).graphQLContext(Map.of(Reads.class, reads)).build();
        try {
            CompletableFuture<ExecutionResult> f = graphQL.executeAsync(input);
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "unavailable", "interrupted");
        } catch (ExecutionException | CompletionException e) {
            LOG.log(System.Logger.Level.ERROR, "a GraphQL execution failed", e.getCause());
            return ExecutionResult.newExecutionResult().addError(GraphqlErrorBuilder.newError().message("internal error")
                    .extensions(Map.of("code", "internal")).build()).build();
        }
    }

    /** Every field costs 1 ({@code totalCount} 10), and what a paged field selects counts {@code first} times. */
    private static int complexity(graphql.analysis.FieldComplexityEnvironment env, int children) {
        int self = "totalCount".equals(env.getField().getName()) ? 10 : 1;
        if (env.getFieldDefinition().getArgument("first") == null) return self + children;
        Object first = env.getArguments().get("first");
        int n = first instanceof Integer i ? Math.max(1, i) : SchemaFactory.DEFAULT_FIRST;
        long cost = self + (long) n * Math.max(1, children);
        return (int) Math.min(Integer.MAX_VALUE, cost);
    }

    /** Data fetcher failures as GraphQL errors: bad input says what was wrong, anything else is logged, not shown. */
    private static final class Failures implements DataFetcherExceptionHandler {
        @Override
        public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(
                graphql.execution.DataFetcherExceptionHandlerParameters p) {
            Throwable t = p.getException();
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
            String message;
            String code;
            if (t instanceof InvalidInputException) {
                message = t.getMessage();
                code = "bad_request";
            } else if (t instanceof ApiException a) {
                message = a.getMessage();
                code = a.code();
            } else {
                LOG.log(System.Logger.Level.ERROR, "GraphQL field " + p.getPath() + " failed", t);
                message = t instanceof FactaException ? "the read model could not be read: " + t.getMessage() : "internal error";
                code = "internal";
            }
            GraphQLError error = GraphqlErrorBuilder.newError(p.getDataFetchingEnvironment()).message(message)
                    .extensions(Map.of("code", code)).build();
            return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(error).build());
        }
    }

    // ------------------------------------------------------------------ WebSocket

    /** What the upgrade learned: the caller's scope when it authenticated with a header (or cookie), else nothing yet. */
    record Upgrade(ServerContext context) {
    }

    private void upgrade(Context ctx) {
        if (host.closing()) throw new ApiException(503, "unavailable", "the server is shutting down");
        String origin = ctx.header("Origin");
        if (origin != null && !sameOrigin(origin, ctx.header("Host")) && !allowedOrigins.contains(origin.toLowerCase(java.util.Locale.ROOT))) {
            throw new ApiException(403, "forbidden", "WebSocket connections from pages of " + abbreviate(origin, 80)
                    + " are not allowed here (GraphQlExtension.allowOrigins)");
        }
        try {
            ServerContext sc = host.context(ctx);
            readableProjections(sc);
            ctx.attribute(UPGRADE_ATTRIBUTE, new Upgrade(sc));
        } catch (ApiException e) {
            // without a header the token may come in connection_init's payload (browsers cannot set headers)
            if (e.status() != 401 || ctx.header("Authorization") != null) throw e;
        }
    }

    private static boolean sameOrigin(String origin, String hostHeader) {
        try {
            String authority = java.net.URI.create(origin.trim()).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(hostHeader);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** Ends every connection for the shutdown and waits a little for their close handshakes. */
    private void endAll() {
        List<WsConnection> open = new ArrayList<>(connections);
        for (WsConnection c : open) c.shutdown();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** After a token change: connections whose caller lost the right end. */
    private void recheck() {
        for (WsConnection c : connections) c.mayContinue();
    }

    static Map<String, Object> object(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put((String) pairs[i], pairs[i + 1]);
        return m;
    }

    static JsonNode readTree(String text) {
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            throw new InvalidInputException("body", "not JSON: " + e.getOriginalMessage());
        }
    }
}

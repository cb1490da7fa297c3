package dev.facta.server;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.query.QueryBus;
import dev.facta.readmodel.UniqueViolationException;
import dev.facta.saga.SagaConcurrencyException;
import dev.facta.store.Metadata;
import dev.facta.store.StreamDeletedException;
import dev.facta.tenancy.TenantContext;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The application's command and query endpoints ({@code POST /commands/{name}}, {@code POST
 * /queries/{name}}), registered with {@link FactaServer.Builder#command} and
 * {@link FactaServer.Builder#query}.
 *
 * <p>A request is checked in this order, and a refused one has run nothing: the name (404
 * {@code unknown_command} / {@code unknown_query}), the caller's rights in the request's tenant (403
 * {@code forbidden}), the body against the type's JSON Schema and then its binding to the record (400
 * {@code validation_failed} with the failing {@code field} as a JSON Pointer), the headers (400).
 *
 * <p><b>Rights.</b> A command registered with categories needs write rights on every stream of each
 * ({@link Access#writesCategory}); one registered without needs write rights on every stream. A query
 * likewise needs read rights on its categories, or on every stream.
 */
final class AppEndpoints {
    /** The header whose value the command is run with once (see the command bus's idempotency middleware). */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final System.Logger LOG = System.getLogger(AppEndpoints.class.getName());
    /** The header naming the conversation a command belongs to; answered with the correlation id used. */
    static final String CORRELATION_ID = "Facta-Correlation-Id";
    static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,99}");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x21-\\x7e]{1,200}");

    /** A command the server takes: its name in the URL, its record type and the categories it writes. */
    record CommandRoute(String name, Class<?> type, List<String> categories) {
        CommandRoute {
            categories = List.copyOf(categories);
        }
    }

    /** A query the server answers: its name in the URL, its record type, its bus and the categories it reads. */
    record QueryRoute(String name, Class<?> type, QueryBus bus, List<String> categories) {
        QueryRoute {
            categories = List.copyOf(categories);
        }
    }

    private final FactaServer server;
    private final CommandBus commandBus;
    private final Map<String, CommandRoute> commands;
    private final Map<String, QueryRoute> queries;
    private final JsonMapper json;
    private final JsonMapper binding;
    private final Map<Class<?>, Optional<JsonValidator>> validators = new java.util.concurrent.ConcurrentHashMap<>();
    private final Function<Class<?>, JsonNode> schemas;

    AppEndpoints(FactaServer server, CommandBus commandBus, Map<String, CommandRoute> commands, Map<String, QueryRoute> queries,
                 Function<Class<?>, JsonNode> schemas) {
        this.server = server;
        this.commandBus = commandBus;
        this.commands = Collections.unmodifiableMap(new LinkedHashMap<>(commands));
        this.queries = Collections.unmodifiableMap(new LinkedHashMap<>(queries));
        this.json = server.json();
        // a body's unknown fields and nulls for numbers are refused, not dropped
        this.binding = json.rebuild()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
        this.schemas = schemas;
    }

    Map<String, CommandRoute> commands() {
        return commands;
    }

    Map<String, QueryRoute> queries() {
        return queries;
    }

    void install(RoutesConfig routes) {
        if (!commands.isEmpty()) routes.post("/commands/{name}", this::command);
        if (!queries.isEmpty()) routes.post("/queries/{name}", this::query);
    }

    /** The JSON Schema of a command's or query's body, or null when none can be derived. */
    JsonNode schemaOf(Class<?> type) {
        return schemas.apply(type);
    }

    // ------------------------------------------------------------------ commands

    private void command(Context ctx) {
        String name = ctx.pathParam("name");
        CommandRoute route = lookup(commands, name, "command");
        FactaServer.Scope scope = server.scope(ctx);
        require(mayWrite(scope.access(), route.categories()), "command " + name, "write", route.categories());
        Object command = bind(ctx, route.type(), "the body of command " + name);
        String key = headerValue(ctx, IDEMPOTENCY_KEY);
        String correlation = headerValue(ctx, CORRELATION_ID);
        CommandMessage<Object> message = new CommandMessage<>(null, command, Metadata.empty(), null);
        Metadata metadata = Metadata.empty().withCorrelationId(correlation != null ? correlation : message.id().toString());
        if (scope.tenant() != null) metadata = metadata.withTenant(scope.tenant());
        // keys are the tenant's own: another tenant's same key never answers with this one's result
        String scopedKey = key == null ? null : scope.tenant() == null ? key : scope.tenant() + ":" + key;
        CommandMessage<Object> sent = message.withMetadata(metadata).withIdempotencyKey(scopedKey);
        Object result = run(scope.tenant(), () -> commandBus.dispatch(sent), "command " + name);
        ObjectNode node = json.createObjectNode();
        node.put("commandId", sent.id().toString());
        node.put("correlationId", sent.correlationId());
        node.set("result", resultJson(unwrap(result), "command " + name));
        ctx.header(CORRELATION_ID, sent.correlationId());
        respond(ctx, 200, node);
    }

    // ------------------------------------------------------------------ queries

    private void query(Context ctx) {
        String name = ctx.pathParam("name");
        QueryRoute route = lookup(queries, name, "query");
        FactaServer.Scope scope = server.scope(ctx);
        require(mayRead(scope.access(), route.categories()), "query " + name, "read", route.categories());
        Object query = bind(ctx, route.type(), "the body of query " + name);
        Object result = unwrap(run(scope.tenant(), () -> route.bus().query(query), "query " + name));
        if (result == null) {
            throw ApiException.notFound("not_found", "query " + name + " found nothing");
        }
        ObjectNode node = json.createObjectNode();
        node.set("result", resultJson(result, "query " + name));
        ctx.header("Cache-Control", "no-store");
        respond(ctx, 200, node);
    }

    // ------------------------------------------------------------------ rights

    static boolean mayWrite(Access access, List<String> categories) {
        if (categories.isEmpty()) return access.writesEverything();
        for (String c : categories) {
            if (!access.writesCategory(c)) return false;
        }
        return true;
    }

    static boolean mayRead(Access access, List<String> categories) {
        if (categories.isEmpty()) return access.readsEverything();
        for (String c : categories) {
            if (!access.readsCategory(c)) return false;
        }
        return true;
    }

    /** The registered command or query of that name; 404 {@code unknown_command} / {@code unknown_query} otherwise. */
    private static <R> R lookup(Map<String, R> routes, String name, String kind) {
        R route = routes.get(name);
        if (route == null) {
            throw ApiException.notFound("unknown_" + kind, "this server has no " + kind + " named '" + clip(name) + "'; it has "
                    + routes.keySet());
        }
        return route;
    }

    /** Refuses with 403 unless the caller has the right on the endpoint's categories. */
    private static void require(boolean allowed, String endpoint, String right, List<String> categories) {
        if (allowed) return;
        throw new ApiException(403, "forbidden", endpoint + " " + (right.equals("write") ? "writes " : "reads ")
                + (categories.isEmpty() ? "any stream" : "the categories " + categories) + ": it needs a token with " + right
                + " rights on " + (categories.isEmpty() ? "every stream" : "every stream of each"));
    }

    // ------------------------------------------------------------------ bodies

    /** Reads the body, checks it against the type's schema, and binds it to the record. */
    private Object bind(Context ctx, Class<?> type, String what) {
        JsonNode body = AppendRequest.readJson(json, server.body(ctx));
        validator(type).ifPresent(v -> v.check(body, "", what));
        try {
            return binding.treeToValue(body, type);
        } catch (JacksonException e) {
            throw JsonValidator.invalid(pointer(e), what + " does not fit " + type.getSimpleName() + ": " + e.getOriginalMessage());
        } catch (IllegalArgumentException | InvalidInputException e) {
            // a record's compact constructor refused the values
            String field = e instanceof InvalidInputException bad ? JsonValidator.pointerOf(bad.field()) : "/";
            throw JsonValidator.invalid(field, what + " is invalid: " + e.getMessage());
        }
    }

    private Optional<JsonValidator> validator(Class<?> type) {
        return validators.computeIfAbsent(type, t -> Optional.ofNullable(schemas.apply(t)).map(JsonValidator::new));
    }

    private static String pointer(JacksonException e) {
        StringBuilder b = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) b.append('/').append(JsonValidator.escape(r.getPropertyName()));
            else if (r.getIndex() >= 0) b.append('/').append(r.getIndex());
        }
        return b.isEmpty() ? "/" : b.toString();
    }

    private static String headerValue(Context ctx, String name) {
        String value = ctx.header(name);
        if (value == null) return null;
        if (!HEADER_VALUE.matcher(value).matches()) {
            throw JsonValidator.invalid(name, name + " must be 1-200 visible ASCII characters without spaces");
        }
        return value;
    }

    // ------------------------------------------------------------------ running

    /**
     * Runs the work in the tenant's {@link TenantContext} (none on a single store) and turns the
     * application's refusals into the API's errors; unexpected failures go to the server's handler (500).
     */
    private static Object run(String tenant, Callable<Object> work, String what) {
        try {
            return tenant == null ? work.call() : TenantContext.call(tenant, work);
        } catch (InvalidInputException e) {
            throw JsonValidator.invalid(JsonValidator.pointerOf(e.field()), e.getMessage());
        } catch (DomainRuleViolation e) {
            throw new ApiException(409, "rule_violation", e.getMessage());
        } catch (UniqueViolationException | SagaConcurrencyException e) {
            throw new ApiException(409, "conflict", e.getMessage());
        } catch (StreamDeletedException e) {
            throw new ApiException(409, "stream_deleted", e.getMessage());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new dev.facta.FactaException(what + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The result as JSON. A result Jackson cannot write is shown as its {@code toString()} (and
     * logged): the command has run by then, so failing the request would tell the client it had not.
     */
    private JsonNode resultJson(Object result, String what) {
        try {
            return json.valueToTree(result);
        } catch (JacksonException e) {
            LOG.log(System.Logger.Level.WARNING, "the result of " + what + " (" + result.getClass().getName()
                    + ") cannot be written as JSON; it is answered as its toString(): " + e.getOriginalMessage());
            return json.getNodeFactory().stringNode(String.valueOf(result));
        }
    }

    private static Object unwrap(Object result) {
        return result instanceof Optional<?> o ? o.orElse(null) : result;
    }

    private void respond(Context ctx, int status, ObjectNode node) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(json.writeValueAsBytes(node));
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}

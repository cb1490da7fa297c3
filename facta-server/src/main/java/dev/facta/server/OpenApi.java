package dev.facta.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The server's OpenAPI 3.1 document at {@code GET /openapi.json}: the built-in routes (described in
 * {@code openapi/base.json} next to this class), one operation per registered command and query with
 * its body's JSON Schema, the event types of the schema registry, and a plain entry for every route
 * an extension added (described by the extension, else a plain entry), so that every route the server
 * answers is in it. Built for each request.
 */
final class OpenApi {
    static final String PATH = "/openapi.json";
    /** Marks an operation the document only knows from the router (an extension's route). */
    static final String UNDESCRIBED = "x-facta-undescribed";
    private static final String BASE = "/dev/facta/server/openapi/base.json";
    private static final Pattern PARAM = Pattern.compile("[{<]([^}>]+)[}>]");

    private static final System.Logger LOG = System.getLogger(OpenApi.class.getName());

    private final FactaServer server;
    private final JsonMapper json;

    OpenApi(FactaServer server) {
        this.server = server;
        this.json = server.json();
    }

    void install(RoutesConfig routes) {
        routes.get(PATH, this::serve);
    }

    private void serve(Context ctx) {
        // anyone with a valid token: the guard has authenticated the request when the server has tokens
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("application/json");
        // built per request, so event types registered while the server runs show at once
        ctx.result(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(build()));
    }

    /** The document as a JSON tree. */
    ObjectNode build() {
        ObjectNode doc = (ObjectNode) base(json);
        ObjectNode paths = (ObjectNode) doc.get("paths");
        ObjectNode schemas = (ObjectNode) doc.get("components").get("schemas");
        AppEndpoints endpoints = server.endpoints();
        for (AppEndpoints.CommandRoute c : endpoints.commands().values()) {
            paths.set("/commands/" + c.name(), commandPath(c, schemas));
        }
        for (AppEndpoints.QueryRoute q : endpoints.queries().values()) {
            paths.set("/queries/" + q.name(), queryPath(q, schemas));
        }
        server.describeAppends(doc);
        for (ServerExtension extension : server.extensions()) {
            try {
                extension.describe(paths);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a server extension failed to describe its routes; they are listed plainly", e);
            }
        }
        for (String route : server.routes()) {
            int space = route.indexOf(' ');
            String method = route.substring(0, space).toLowerCase(Locale.ROOT);
            if (!List.of("get", "post", "put", "delete", "patch", "head", "options").contains(method)) continue;
            String path = route.substring(space + 1);
            if (!described(paths, method, path)) {
                String openApiPath = PARAM.matcher(path).replaceAll("{$1}");
                ObjectNode item = paths.has(openApiPath) ? (ObjectNode) paths.get(openApiPath) : paths.putObject(openApiPath);
                ObjectNode op = item.putObject(method);
                op.put("summary", "Added by a server extension");
                op.put(UNDESCRIBED, true);
                ArrayNode params = op.putArray("parameters");
                var m = PARAM.matcher(path);
                while (m.find()) {
                    params.addObject().put("name", m.group(1)).put("in", "path").put("required", true)
                            .putObject("schema").put("type", "string");
                }
                op.putObject("responses").putObject("default").put("description", "The extension's answer");
            }
        }
        if (server.multiTenant()) addTenantParameter(paths);
        dropUnusedTags(doc, paths);
        return doc;
    }

    /** Leaves out the tags no operation has (no commands registered: no "commands" section). */
    private static void dropUnusedTags(ObjectNode doc, ObjectNode paths) {
        java.util.Set<String> used = new java.util.HashSet<>();
        for (Map.Entry<String, JsonNode> item : paths.properties()) {
            for (Map.Entry<String, JsonNode> op : item.getValue().properties()) {
                JsonNode tags = op.getValue().get("tags");
                if (tags != null) tags.forEach(t -> used.add(t.stringValue()));
            }
        }
        ArrayNode tags = (ArrayNode) doc.get("tags");
        for (int i = tags.size() - 1; i >= 0; i--) {
            if (!used.contains(tags.get(i).get("name").stringValue())) tags.remove(i);
        }
    }

    /**
     * Whether the document has an operation of this method on the route: on the same path template
     * ({@code /streams/<stream>} is {@code /streams/{stream}}), or on a concrete path the route
     * matches ({@code /commands/{name}} answers {@code /commands/PlaceOrder}).
     */
    static boolean described(ObjectNode paths, String method, String route) {
        String template = PARAM.matcher(route).replaceAll("{}");
        StringBuilder regex = new StringBuilder();
        var m = PARAM.matcher(route);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(route.substring(at, m.start()))).append("[^/{}]+");
            at = m.end();
        }
        regex.append(Pattern.quote(route.substring(at)));
        Pattern concrete = Pattern.compile(regex.toString());
        for (String path : paths.propertyNames()) {
            boolean same = PARAM.matcher(path).replaceAll("{}").equals(template) || concrete.matcher(path).matches();
            if (same && paths.get(path).has(method)) return true;
        }
        return false;
    }

    static JsonNode base(JsonMapper json) {
        try (InputStream in = OpenApi.class.getResourceAsStream(BASE)) {
            if (in == null) throw new IllegalStateException(BASE + " is missing from the jar");
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode commandPath(AppEndpoints.CommandRoute c, ObjectNode schemas) {
        ObjectNode item = json.createObjectNode();
        ObjectNode op = operation(item, "command", c.name(), c.type(), "Dispatched on the application's command bus",
                "write", c.categories(), schemas);
        ArrayNode params = op.putArray("parameters");
        params.addObject().put("$ref", "#/components/parameters/IdempotencyKey");
        params.addObject().put("$ref", "#/components/parameters/CorrelationId");
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject("200");
        ok.put("description", "The command ran; `result` is what its handler returned");
        ok.putObject("headers").putObject("Facta-Correlation-Id").put("description", "The correlation id it ran with")
                .putObject("schema").put("type", "string");
        ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/CommandResult");
        errors(responses, "400", "Invalid", "401", "Unauthorized", "403", "Forbidden", "404", "NotFound", "409", "Conflict",
                "413", "TooLarge");
        return item;
    }

    private ObjectNode queryPath(AppEndpoints.QueryRoute q, ObjectNode schemas) {
        ObjectNode item = json.createObjectNode();
        ObjectNode op = operation(item, "query", q.name(), q.type(), "Asked of the application's query bus", "read", q.categories(),
                schemas);
        op.put("description", op.get("description").stringValue() + " An empty answer is 404 `not_found`.");
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject("200");
        ok.put("description", "The answer");
        ObjectNode schema = ok.putObject("content").putObject("application/json").putObject("schema");
        schema.put("type", "object");
        schema.putArray("required").add("result");
        schema.putObject("properties").putObject("result").put("description", "What the query's handler answered, as JSON");
        errors(responses, "400", "Invalid", "401", "Unauthorized", "403", "Forbidden", "404", "NotFound", "413", "TooLarge");
        return item;
    }

    /** The POST operation of a command or query: tag, id, what it does, the rights it needs, its body's schema. */
    private ObjectNode operation(ObjectNode item, String kind, String name, Class<?> type, String runs, String right,
                                 List<String> categories, ObjectNode schemas) {
        ObjectNode op = item.putObject("post");
        op.putArray("tags").add(kind.equals("command") ? "commands" : "queries");
        op.put("operationId", kind + name.replaceAll("[^A-Za-z0-9]", ""));
        op.put("summary", (kind.equals("command") ? "Command " : "Query ") + type.getSimpleName());
        op.put("description", runs + (server.multiTenant() ? " in the request's tenant" : "") + ". Needs " + right + " rights on "
                + (categories.isEmpty() ? "every stream" : "every stream of the categories " + String.join(", ", categories)) + ".");
        body(op, schemaRef(kind + "." + name, type, schemas));
        return op;
    }

    private static void body(ObjectNode op, JsonNode schema) {
        ObjectNode body = op.putObject("requestBody");
        body.put("required", true);
        body.putObject("content").putObject("application/json").set("schema", schema);
    }

    private static void errors(ObjectNode responses, String... statusAndName) {
        for (int i = 0; i < statusAndName.length; i += 2) {
            responses.putObject(statusAndName[i]).put("$ref", "#/components/responses/" + statusAndName[i + 1]);
        }
    }

    /** Puts the type's JSON Schema into the components (with its definitions) and answers a reference to it. */
    private JsonNode schemaRef(String name, Class<?> type, ObjectNode schemas) {
        JsonNode schema = server.endpoints().schemaOf(type);
        if (schema == null) {
            return json.createObjectNode().put("type", "object").put("description", type.getSimpleName() + " as JSON");
        }
        embed(json, name, schema, schemas);
        return json.createObjectNode().put("$ref", "#/components/schemas/" + name);
    }

    /**
     * Adds a JSON Schema to {@code components/schemas} under {@code name}: its {@code $defs} become
     * components of their own ({@code name.Def}) and every {@code #/$defs/...} reference is rewritten,
     * since OpenAPI resolves a fragment from the root of the whole document.
     */
    static void embed(JsonMapper json, String name, JsonNode schema, ObjectNode schemas) {
        ObjectNode copy = schema.isObject() ? (ObjectNode) schema.deepCopy() : json.createObjectNode();
        copy.remove("$schema");
        copy.remove("$id");
        List<String> defs = new ArrayList<>();
        for (String key : List.of("$defs", "definitions")) {
            JsonNode d = copy.remove(key);
            if (d == null || !d.isObject()) continue;
            for (Map.Entry<String, JsonNode> e : d.properties()) {
                defs.add(e.getKey());
                schemas.set(name + "." + e.getKey(), e.getValue());
            }
        }
        schemas.set(name, copy);
        for (String def : defs) rewriteRefs(schemas.get(name + "." + def), name);
        rewriteRefs(copy, name);
    }

    private static void rewriteRefs(JsonNode node, String name) {
        if (node instanceof ObjectNode o) {
            JsonNode ref = o.get("$ref");
            if (ref != null && ref.isString()) {
                String r = ref.stringValue();
                if (r.startsWith("#/$defs/")) o.put("$ref", "#/components/schemas/" + name + "." + r.substring(8));
                else if (r.startsWith("#/definitions/")) o.put("$ref", "#/components/schemas/" + name + "." + r.substring(14));
                else if (r.equals("#")) o.put("$ref", "#/components/schemas/" + name);
            }
            for (Map.Entry<String, JsonNode> e : o.properties()) rewriteRefs(e.getValue(), name);
        } else if (node instanceof ArrayNode a) {
            for (JsonNode e : a) rewriteRefs(e, name);
        }
    }

    /** Adds the {@code Facta-Tenant} header to every operation that needs a token (a multi-tenant server). */
    private void addTenantParameter(ObjectNode paths) {
        for (Map.Entry<String, JsonNode> item : paths.properties()) {
            for (Map.Entry<String, JsonNode> op : item.getValue().properties()) {
                if (!op.getValue().isObject() || "parameters".equals(op.getKey())) continue;
                ObjectNode operation = (ObjectNode) op.getValue();
                JsonNode security = operation.get("security");
                if (security != null && security.isArray() && security.isEmpty() && !"/health".equals(item.getKey())) continue;
                ArrayNode params = operation.has("parameters") ? (ArrayNode) operation.get("parameters") : operation.putArray("parameters");
                params.addObject().put("$ref", "#/components/parameters/Tenant");
            }
        }
    }
}

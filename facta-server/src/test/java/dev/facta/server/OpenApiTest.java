package dev.facta.server;

import dev.facta.schema.SchemaRegistry;
import dev.facta.store.memory.InMemoryEventStore;
import dev.facta.tenancy.InMemoryMultiTenantStore;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document over real HTTP: it describes every route the server registers (so it cannot
 * drift from them), it is a valid OpenAPI 3.1 document, the commands' and queries' bodies carry the
 * JSON Schemas of their records, and Swagger UI is served from the jar pointing at it.
 */
class OpenApiTest {
    record OrderPlaced(String orderId, int quantity) {
    }

    InMemoryEventStore store;
    Shop shop;
    FactaServer server;
    Http http;

    /** An extension's route, which the document must list although it cannot describe it. */
    static final ServerExtension EXTENSION = (routes, host) -> routes.get("/ext/{thing}", ctx -> ctx.result("ok"));

    /** An extension that describes its route itself. */
    static final ServerExtension DESCRIBED = new ServerExtension() {
        @Override
        public void install(io.javalin.config.RoutesConfig routes, Host host) {
            routes.post("/described", ctx -> ctx.result("ok"));
        }

        @Override
        public void describe(ObjectNode paths) {
            paths.set("/described", Http.JSON.readTree("{\"post\":{\"summary\":\"Described by its extension\","
                    + "\"responses\":{\"200\":{\"description\":\"ok\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"}}}}"));
        }
    };

    @BeforeEach
    void start() {
        store = new InMemoryEventStore();
        shop = new Shop(store);
        server = shop.register(FactaServer.builder(store)).schemas(SchemaRegistry.create().register(OrderPlaced.class, 1))
                .extension(EXTENSION).extension(DESCRIBED).build().start();
        http = new Http(server);
    }

    @AfterEach
    void stop() {
        server.close();
        shop.close();
        store.close();
    }

    private JsonNode document() {
        Http.Reply r = http.get("/openapi.json");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        return r.json();
    }

    @Test
    void every_registered_route_is_in_the_document_and_only_extensions_are_undescribed() {
        ObjectNode paths = (ObjectNode) document().get("paths");
        List<String> routes = new ArrayList<>(server.routes());
        routes.removeIf(r -> r.startsWith("BEFORE") || r.startsWith("AFTER"));
        assertThat(routes).contains("POST /commands/{name}", "POST /queries/{name}", "GET /openapi.json", "GET /docs",
                "GET /ext/{thing}");
        for (String route : routes) {
            String method = route.substring(0, route.indexOf(' ')).toLowerCase(java.util.Locale.ROOT);
            assertThat(OpenApi.described(paths, method, route.substring(route.indexOf(' ') + 1))).as(route).isTrue();
        }
        // every operation but the extension's is described by the server itself
        TreeSet<String> undescribed = new TreeSet<>();
        for (Map.Entry<String, JsonNode> item : paths.properties()) {
            for (Map.Entry<String, JsonNode> op : item.getValue().properties()) {
                if (op.getValue().has(OpenApi.UNDESCRIBED)) undescribed.add(op.getKey() + " " + item.getKey());
            }
        }
        assertThat(undescribed).containsExactly("get /ext/{thing}");
        assertThat(paths.at("/~1described/post/summary").stringValue()).isEqualTo("Described by its extension");
        // and nothing is described that the server does not answer
        for (Map.Entry<String, JsonNode> item : paths.properties()) {
            for (String method : item.getValue().propertyNames()) {
                if (method.equals("parameters")) continue;
                boolean registered = routes.stream().anyMatch(r -> r.toLowerCase(java.util.Locale.ROOT).startsWith(method + " ")
                        && OpenApi.described(pathsOf(item.getKey(), item.getValue()), method, r.substring(r.indexOf(' ') + 1)));
                assertThat(registered).as(method + " " + item.getKey() + " is a registered route").isTrue();
            }
        }
    }

    private static ObjectNode pathsOf(String path, JsonNode item) {
        ObjectNode one = Http.JSON.createObjectNode();
        one.set(path, item);
        return one;
    }

    @Test
    void the_document_is_valid_openapi_with_the_records_schemas() {
        Http.Reply r = http.get("/openapi.json");
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(r.body());
        assertThat(parsed.getMessages()).as("parser messages").isEmpty();
        // the parser does find faults: the same document without its info, with a path lacking its parameter
        ObjectNode broken = (ObjectNode) r.json();
        broken.remove("info");
        ((ObjectNode) broken.get("paths")).set("/broken/{id}", Http.JSON.readTree("{\"get\":{\"responses\":{\"200\":{\"description\":\"x\"}}}}"));
        assertThat(new OpenAPIV3Parser().readContents(broken.toString()).getMessages()).isNotEmpty();
        OpenAPI api = parsed.getOpenAPI();
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getPaths()).containsKeys("/streams/{stream}", "/all", "/subscribe/all", "/health", "/metrics",
                "/admin/login", "/admin/api/overview", "/commands/PlaceOrder", "/commands/PaySalary", "/queries/FindOrder");

        JsonNode doc = r.json();
        JsonNode place = doc.at("/paths/~1commands~1PlaceOrder/post");
        assertThat(place.at("/requestBody/content/application~1json/schema/$ref").stringValue())
                .isEqualTo("#/components/schemas/command.PlaceOrder");
        JsonNode schema = doc.at("/components/schemas/command.PlaceOrder");
        assertThat(schema.at("/properties/quantity/type").stringValue()).isEqualTo("integer");
        assertThat(schema.get("required").toString()).contains("orderId", "customerId", "quantity");
        assertThat(place.get("parameters").toString()).contains("IdempotencyKey", "CorrelationId");
        assertThat(place.at("/responses/409/$ref").stringValue()).isEqualTo("#/components/responses/Conflict");
        assertThat(doc.get("tags").toString()).contains("\"commands\"", "\"queries\"");
        assertThat(doc.at("/paths/~1streams~1{stream}/post/parameters").toString()).contains("ExpectedVersion");
        assertThat(doc.at("/components/parameters/ExpectedVersion/name").stringValue()).isEqualTo("Facta-Expected-Version");
        // the event schemas of the registry
        assertThat(doc.at("/components/schemas/event.OrderPlaced/properties/quantity/type").stringValue()).isEqualTo("integer");
        assertThat(doc.at("/components/schemas/AppendBody/items").toString()).contains("event.OrderPlaced");
        // open routes say so
        assertThat(doc.at("/paths/~1health/get/security").isEmpty()).isTrue();
        assertThat(doc.at("/paths/~1all/get/security").isMissingNode()).as("the global default: a token").isTrue();
    }

    @Test
    void every_reference_in_the_document_resolves() {
        JsonNode doc = document();
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    private static void collectRefs(JsonNode node, List<String> out) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isString()) out.add(ref.stringValue());
            for (Map.Entry<String, JsonNode> e : node.properties()) collectRefs(e.getValue(), out);
        } else if (node.isArray()) {
            for (JsonNode e : node) collectRefs(e, out);
        }
    }

    @Test
    void swagger_ui_is_served_from_the_jar_and_points_at_the_document() {
        Http.Reply page = http.get("/docs");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
        Matcher m = Pattern.compile("(?:src|href)=\"(/docs/[^\"]+)\"").matcher(page.body());
        List<String> files = new ArrayList<>();
        while (m.find()) files.add(m.group(1));
        assertThat(files).contains("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/facta-init.js");
        for (String file : files) {
            Http.Reply f = http.get(file);
            assertThat(f.status()).as(file).isEqualTo(200);
            assertThat(f.body()).as(file).isNotEmpty();
        }
        assertThat(http.get("/docs/swagger-ui-bundle.js").header("Content-Type")).startsWith("text/javascript");
        assertThat(http.get("/docs/swagger-ui-bundle.js").body()).contains("SwaggerUIBundle");
        assertThat(http.get("/docs/facta-init.js").body()).contains("\"/openapi.json\"");
        assertThat(http.get("/docs/nope.js").status()).isEqualTo(404);
    }

    @Test
    void a_multi_tenant_server_documents_the_tenant_header() {
        try (InMemoryMultiTenantStore tenants = new InMemoryMultiTenantStore();
             FactaServer multi = FactaServer.builder(tenants).build().start()) {
            JsonNode doc = new Http(multi).get("/openapi.json").json();
            assertThat(doc.at("/paths/~1all/get/parameters").toString()).contains("#/components/parameters/Tenant");
            assertThat(doc.at("/paths/~1docs/get/parameters").isMissingNode()).isTrue();
            assertThat(doc.get("tags").toString()).as("no commands, no commands section").doesNotContain("\"commands\"");
            assertThat(new OpenAPIV3Parser().readContents(doc.toString()).getMessages()).isEmpty();
        }
    }
}

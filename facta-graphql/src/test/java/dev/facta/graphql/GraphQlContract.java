package dev.facta.graphql;

import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.server.AccessToken;
import dev.facta.server.AccessTokens;
import dev.facta.server.FactaServer;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GraphQL over a real server on a real store: a projection fills the {@code orders} read model, queries
 * go over HTTP and subscriptions over a WebSocket; each store's test class extends this.
 */
abstract class GraphQlContract {
    static final String READER = "reader-secret-0123456789";
    static final String NARROW = "narrow-secret-0123456789";
    static final GraphQlLimits LIMITS = GraphQlLimits.DEFAULT.withPollInterval(Duration.ofMillis(50));

    EventStore events;
    ProjectionStore projections;
    ProjectionEngine engine;
    AccessTokens tokens;
    FactaServer server;
    GraphQlExtension extension;
    GraphQlClient reader;
    GraphQlClient anonymous;
    final List<GraphQlClient.Socket> sockets = new java.util.ArrayList<>();

    abstract EventStore openEvents() throws Exception;

    abstract ProjectionStore projectionsOf(EventStore events);

    abstract void cleanUp() throws Exception;

    @BeforeEach
    void start() throws Exception {
        events = openEvents();
        projections = projectionsOf(events);
        engine = ProjectionEngine.builder(events, projections).register(new Orders.SummaryProjection())
                .pollInterval(Duration.ofMillis(20)).build().start();
        tokens = AccessTokens.of(AccessToken.full("reader", READER),
                AccessToken.builder("narrow").secret(NARROW).grant(AccessToken.Grant.streams("order-", AccessToken.Right.READ)).build());
        extension = new GraphQlExtension(Orders.models(), LIMITS);
        server = FactaServer.builder(events).projections(projections).accessTokens(tokens).extension(extension).build().start();
        anonymous = new GraphQlClient(server.url(), null, null);
        reader = anonymous.withToken(READER);
        Orders.place(events, "o-1", "ada", "12.50", 2, "2026-11-01T10:00:00Z", "Oslo");
        Orders.place(events, "o-2", "bob", "99.99", 5, "2026-11-02T10:00:00Z", "Bergen");
        Orders.place(events, "o-3", "cy", "7.00", 1, "2026-11-03T10:00:00Z", "Oslo");
        caughtUp();
    }

    @AfterEach
    void stop() throws Exception {
        for (GraphQlClient.Socket s : sockets) s.abort();
        if (server != null) server.close();
        if (engine != null) engine.close();
        if (tokens != null) tokens.close();
        if (projections instanceof AutoCloseable c) c.close();
        if (events != null) events.close();
        cleanUp();
    }

    void caughtUp() {
        assertThat(engine.awaitCaughtUp("order-summary", Duration.ofSeconds(15))).isTrue();
    }

    GraphQlClient.Socket socket(GraphQlClient client, boolean tokenInHeader) {
        GraphQlClient.Socket s = client.connect(tokenInHeader);
        sockets.add(s);
        return s;
    }

    // ------------------------------------------------------------------ queries

    @Test
    void lists_filter_sort_and_page_with_cursors() {
        String q = "query($after: String) { orders(filter: {status: {eq: PLACED}, total: {gte: 10}}, orderBy: [{field: total, direction: DESC}],"
                + " first: 1, after: $after) { totalCount nodes { orderId total items status placedAt shipTo { city } tags }"
                + " pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor } } }";
        GraphQlClient.Response first = reader.post(q);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().has("errors")).as(first.body().toString()).isFalse();
        JsonNode page = first.body().at("/data/orders");
        assertThat(page.get("totalCount").asLong()).isEqualTo(2);
        assertThat(page.at("/nodes/0/orderId").asString()).isEqualTo("o-2");
        assertThat(page.at("/nodes/0/total").decimalValue()).isEqualByComparingTo("99.99");
        assertThat(page.at("/nodes/0/items").asLong()).isEqualTo(5);
        assertThat(page.at("/nodes/0/status").asString()).isEqualTo("PLACED");
        assertThat(page.at("/nodes/0/placedAt").asString()).isEqualTo("2026-11-02T10:00:00Z");
        assertThat(page.at("/nodes/0/shipTo/city").asString()).isEqualTo("Bergen");
        assertThat(page.at("/nodes/0/tags/0").asString()).isEqualTo("new");
        assertThat(page.at("/pageInfo/hasNextPage").asBoolean()).isTrue();
        assertThat(page.at("/pageInfo/hasPreviousPage").asBoolean()).isFalse();
        assertThat(page.at("/edges/0/cursor").asString()).isEqualTo(page.at("/pageInfo/endCursor").asString());

        GraphQlClient.Response second = reader.post(q, Map.of("after", page.at("/pageInfo/endCursor").asString()));
        JsonNode next = second.body().at("/data/orders");
        assertThat(next.at("/nodes/0/orderId").asString()).isEqualTo("o-1");
        assertThat(next.at("/nodes/0/total").asString()).isEqualTo("12.50");
        assertThat(next.at("/pageInfo/hasNextPage").asBoolean()).isFalse();
        assertThat(next.at("/pageInfo/hasPreviousPage").asBoolean()).isTrue();
    }

    @Test
    void filters_on_nested_fields_dates_and_lists_by_id() {
        JsonNode body = reader.post("{ orders(filter: {shipTo: {city: {eq: \"Oslo\"}}, placedAt: {gt: \"2026-11-02T00:00:00Z\"}}) {"
                + " nodes { orderId } } order(id: \"o-1\") { customer total } missing: order(id: \"nope\") { customer }"
                + " some: orders(filter: {customer: {in: [\"ada\", \"bob\"]}, status: {ne: SHIPPED}}, orderBy: [{field: shipTo_city}]) {"
                + " nodes { orderId } } }").body();
        assertThat(body.has("errors")).as(body.toString()).isFalse();
        assertThat(body.at("/data/orders/nodes").size()).isEqualTo(1);
        assertThat(body.at("/data/orders/nodes/0/orderId").asString()).isEqualTo("o-3");
        assertThat(body.at("/data/order/customer").asString()).isEqualTo("ada");
        assertThat(body.at("/data/order/total").decimalValue()).isEqualByComparingTo("12.50");
        assertThat(body.at("/data/missing").isNull()).isTrue();
        assertThat(body.at("/data/some/nodes/0/orderId").asString()).isEqualTo("o-2");
        assertThat(body.at("/data/some/nodes/1/orderId").asString()).isEqualTo("o-1");
    }

    @Test
    void get_serves_queries_and_schema_less_collections_answer_json() {
        projections.readModels().collection("notes", DocumentCodec.json()).put("n-1", "{\"text\":\"hello\",\"rank\":3}");
        projections.readModels().collection("notes", DocumentCodec.json()).put("n-2", "{\"text\":\"bye\",\"rank\":1}");
        GraphQlClient.Response r = reader.get("{ notes(where: [{field: \"rank\", gt: 2}]) { nodes totalCount } note(id: \"n-2\") }");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().has("errors")).as(r.body().toString()).isFalse();
        assertThat(r.body().at("/data/notes/totalCount").asLong()).isEqualTo(1);
        assertThat(r.body().at("/data/notes/nodes/0/text").asString()).isEqualTo("hello");
        assertThat(r.body().at("/data/note/text").asString()).isEqualTo("bye");
    }

    @Test
    void the_servers_openapi_document_describes_graphql() {
        GraphQlClient.Response doc = reader.getPath("/openapi.json");
        assertThat(doc.status()).isEqualTo(200);
        JsonNode path = doc.body().at("/paths/~1graphql");
        assertThat(path.has("get")).as(path.toString()).isTrue();
        assertThat(path.at("/post/requestBody/content/application~1json/schema/required/0").asString()).isEqualTo("query");
        assertThat(path.toString()).doesNotContain("x-facta-undescribed");
    }

    @Test
    void refuses_callers_without_token_or_without_every_read_right() {
        GraphQlClient.Response none = anonymous.post("{ orders { totalCount } }");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.body().get("error").asString()).isEqualTo("unauthorized");
        GraphQlClient.Response wrong = anonymous.withToken("not-a-token-0123456789").post("{ orders { totalCount } }");
        assertThat(wrong.status()).isEqualTo(401);
        GraphQlClient.Response narrow = anonymous.withToken(NARROW).post("{ orders { totalCount } }");
        assertThat(narrow.status()).isEqualTo(403);
        assertThat(narrow.body().get("error").asString()).isEqualTo("forbidden");
        assertThat(narrow.body().has("data")).isFalse();
    }

    @Test
    void malformed_queries_answer_errors_and_change_nothing() {
        long head = events.headPosition();
        long count = projections.readModels().collection(storedOrders(), DocumentCodec.json()).count(dev.facta.readmodel.Query.all());
        assertGraphQlError(reader.post("{ orders { nodes { orderId } "), "Invalid syntax");
        assertGraphQlError(reader.post("{ orders { nodes { nope } } }"), "nope");
        assertGraphQlError(reader.post("{ orders(first: 101) { totalCount } }"), "first must be");
        assertGraphQlError(reader.post("{ orders(after: \"garbage\") { totalCount } }"), "cursor");
        assertGraphQlError(reader.post("{ orders(filter: {total: {gt: \"ten\"}}) { totalCount } }"), "BigDecimal");
        assertGraphQlError(reader.post("{ orders(filter: {placedAt: {gt: \"yesterday\"}}) { totalCount } }"), "date-time");
        assertGraphQlError(reader.post("mutation { orders { totalCount } }"), "");
        assertGraphQlError(reader.post("{ orders(first: 100000) { totalCount } }"), "complexity");
        // cost: 30 aliases of a page of 100 documents
        StringBuilder heavy = new StringBuilder("{");
        for (int i = 0; i < 30; i++) heavy.append(" a").append(i).append(": orders(first: 100) { nodes { orderId customer total } }");
        assertGraphQlError(reader.post(heavy.append(" }").toString()), "complexity");
        GraphQlClient.Response notJson = reader.postRaw("{not json", null);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.body().get("errors").get(0).get("message").asString()).contains("not JSON");
        GraphQlClient.Response strict = reader.postRaw("{\"query\": \"{ orders { nope } }\"}", "application/graphql-response+json");
        assertThat(strict.status()).isEqualTo(400);
        assertThat(strict.contentType()).startsWith("application/graphql-response+json");
        GraphQlClient.Response subscriptionOverHttp = reader.post("subscription { orderChanged(id: \"o-1\") { orderId } }");
        assertThat(subscriptionOverHttp.body().get("errors").get(0).get("message").asString()).contains("WebSocket");
        assertThat(events.headPosition()).isEqualTo(head);
        assertThat(projections.readModels().collection(storedOrders(), DocumentCodec.json()).count(dev.facta.readmodel.Query.all()))
                .isEqualTo(count);
    }

    @Test
    void depth_is_limited() {
        GraphQlExtension shallow = new GraphQlExtension(Orders.models(), LIMITS.withMaxDepth(2));
        try (FactaServer other = FactaServer.builder(events).projections(projections).accessTokens(tokens).extension(shallow).build().start()) {
            GraphQlClient c = new GraphQlClient(other.url(), READER, null);
            assertGraphQlError(c.post("{ orders { nodes { shipTo { city } } } }"), "depth");
            assertThat(c.post("{ order(id: \"o-1\") { orderId } }").body().at("/data/order/orderId").asString()).isEqualTo("o-1");
        }
    }

    @Test
    void the_schema_answers_introspection_within_the_limits() {
        JsonNode body = reader.post(introspection()).body();
        assertThat(body.has("errors")).as(body.toString()).isFalse();
        List<String> types = new java.util.ArrayList<>();
        for (JsonNode t : body.at("/data/__schema/types")) types.add(t.get("name").asString());
        assertThat(types).contains("OrderSummary", "OrderSummaryFilter", "OrderSummaryConnection", "OrderSummarySortField", "Status",
                "Address", "Long", "BigDecimal", "DateTime", "JSON");
        assertThat(body.at("/data/__schema/subscriptionType/name").asString()).isEqualTo("Subscription");
    }

    private static String introspection() {
        return graphql.introspection.IntrospectionQuery.INTROSPECTION_QUERY;
    }

    String storedOrders() {
        return projections.active("order-summary").orElseThrow().key().collection("orders");
    }

    static void assertGraphQlError(GraphQlClient.Response r, String fragment) {
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
        assertThat(r.body().get("errors")).as(r.body().toString()).isNotNull();
        assertThat(r.body().get("errors").get(0).get("message").asString()).as(r.body().toString()).containsIgnoringCase(fragment);
    }

    // ------------------------------------------------------------------ subscriptions

    @Test
    void a_subscription_sees_the_document_now_and_after_new_events() {
        GraphQlClient.Socket s = socket(reader, true).init(null);
        s.subscribe("1", "subscription { orderChanged(id: \"o-1\") { orderId status tags } }");
        JsonNode now = s.next();
        assertThat(now.get("type").asString()).isEqualTo("next");
        assertThat(now.get("id").asString()).isEqualTo("1");
        assertThat(now.at("/payload/data/orderChanged/status").asString()).isEqualTo("PLACED");
        Orders.ship(events, "o-1");
        JsonNode changed = s.next();
        assertThat(changed.at("/payload/data/orderChanged/status").asString()).as(changed.toString()).isEqualTo("SHIPPED");
        assertThat(changed.at("/payload/data/orderChanged/tags/0").asString()).isEqualTo("shipped");
        // a change to another order emits nothing here
        Orders.ship(events, "o-2");
        caughtUp();
        assertThat(s.poll(Duration.ofMillis(400))).isNull();
        s.send(Map.of("type", "ping"));
        assertThat(s.next().get("type").asString()).isEqualTo("pong");
        s.send(Map.of("type", "complete", "id", "1"));
        Orders.ship(events, "o-1");
        Orders.place(events, "o-1", "ada", "1.00", 1, "2026-11-05T10:00:00Z", "Oslo");
        caughtUp();
        assertThat(s.poll(Duration.ofMillis(400))).isNull();
    }

    @Test
    void a_list_subscription_follows_its_filter() {
        GraphQlClient.Socket s = socket(anonymous.withToken(READER), false).init(Map.of("token", READER));
        s.subscribe("oslo", "subscription { ordersChanged(filter: {shipTo: {city: {eq: \"Oslo\"}}}, first: 10) { orderId status } }");
        JsonNode now = s.next();
        assertThat(now.at("/payload/data/ordersChanged").size()).isEqualTo(2);
        Orders.place(events, "o-4", "dee", "5.00", 1, "2026-11-04T10:00:00Z", "Oslo");
        JsonNode added = s.next();
        assertThat(added.at("/payload/data/ordersChanged").size()).as(added.toString()).isEqualTo(3);
        assertThat(added.at("/payload/data/ordersChanged/2/orderId").asString()).isEqualTo("o-4");
        s.subscribe("q", "{ order(id: \"o-4\") { customer } }");
        JsonNode once = s.next();
        assertThat(once.get("id").asString()).isEqualTo("q");
        assertThat(once.at("/payload/data/order/customer").asString()).isEqualTo("dee");
        assertThat(s.next().get("type").asString()).isEqualTo("complete");
        s.subscribe("bad", "subscription { orderChanged(id: \"o-1\") { nope } }");
        JsonNode error = s.next();
        assertThat(error.get("type").asString()).isEqualTo("error");
        assertThat(error.get("id").asString()).isEqualTo("bad");
    }

    @Test
    void sockets_without_a_valid_token_are_refused() {
        GraphQlClient.Socket noToken = socket(anonymous, false);
        noToken.send(Map.of("type", "connection_init"));
        assertThat(noToken.awaitClose()).isEqualTo(4403);
        GraphQlClient.Socket badToken = socket(anonymous, false);
        badToken.send(Map.of("type", "connection_init", "payload", Map.of("token", "wrong-0123456789")));
        assertThat(badToken.awaitClose()).isEqualTo(4403);
        GraphQlClient.Socket narrow = socket(anonymous, false);
        narrow.send(Map.of("type", "connection_init", "payload", Map.of("token", NARROW)));
        assertThat(narrow.awaitClose()).isEqualTo(4403);
        GraphQlClient.Socket early = socket(reader, true);
        early.subscribe("1", "subscription { orderChanged(id: \"o-1\") { orderId } }");
        assertThat(early.awaitClose()).isEqualTo(4401);
        GraphQlClient.Socket twice = socket(reader, true).init(null);
        twice.send(Map.of("type", "connection_init"));
        assertThat(twice.awaitClose()).isEqualTo(4429);
        GraphQlClient.Socket garbage = socket(reader, true);
        garbage.sendText("not json");
        assertThat(garbage.awaitClose()).isEqualTo(4400);
        // a wrong header is refused at the upgrade
        assertThat(refusedUpgrade(() -> anonymous.withToken("wrong-0123456789").connect(true))).isEqualTo(401);
        assertThat(refusedUpgrade(() -> anonymous.withToken(NARROW).connect(true))).isEqualTo(403);
        // pages of other origins may not open sockets (no CORS for WebSockets); the server's own origin may
        assertThat(refusedUpgrade(() -> reader.connect(true, "http://evil.example"))).isEqualTo(403);
        socket(reader, false).init(Map.of("token", READER)).send(Map.of("type", "ping"));
        GraphQlClient.Socket sameOrigin = reader.connect(true, server.url());
        sockets.add(sameOrigin);
        sameOrigin.init(null);
    }

    @Test
    void closing_the_server_ends_subscriptions_before_the_next_poll() {
        GraphQlExtension slow = new GraphQlExtension(Orders.models(), LIMITS.withPollInterval(Duration.ofSeconds(30)));
        FactaServer other = FactaServer.builder(events).projections(projections).accessTokens(tokens).extension(slow).build().start();
        GraphQlClient.Socket s = new GraphQlClient(other.url(), READER, null).connect(true);
        sockets.add(s);
        s.init(null);
        s.subscribe("1", "subscription { ordersChanged { orderId } }");
        assertThat(s.next().at("/payload/data/ordersChanged").size()).isEqualTo(3);
        other.close();
        // within next()'s 15 s, long before the watcher's first look at the store (30 s)
        JsonNode error = s.next();
        assertThat(error.at("/payload/0/extensions/code").asString()).as(error.toString()).isEqualTo("shutdown");
        assertThat(s.awaitClose()).isEqualTo(1001);
    }

    @Test
    void protocol_limits_are_kept() {
        GraphQlExtension strict = new GraphQlExtension(Orders.models(), LIMITS.withMaxSubscriptions(1)
                .withConnectionInitTimeout(Duration.ofMillis(300)));
        try (FactaServer other = FactaServer.builder(events).projections(projections).accessTokens(tokens).extension(strict).build().start()) {
            GraphQlClient c = new GraphQlClient(other.url(), READER, null);
            GraphQlClient.Socket silent = c.connect(true);
            sockets.add(silent);
            assertThat(silent.awaitClose()).isEqualTo(4408);
            GraphQlClient.Socket s = c.connect(true);
            sockets.add(s);
            s.init(null);
            s.subscribe("1", "subscription { orderChanged(id: \"o-1\") { status } }");
            assertThat(s.next().get("type").asString()).isEqualTo("next");
            s.subscribe("2", "subscription { orderChanged(id: \"o-2\") { status } }");
            JsonNode refused = s.next();
            assertThat(refused.get("type").asString()).isEqualTo("error");
            assertThat(refused.get("id").asString()).isEqualTo("2");
            assertThat(refused.at("/payload/0/extensions/code").asString()).isEqualTo("too_many");
            s.subscribe("1", "subscription { orderChanged(id: \"o-1\") { status } }");
            assertThat(s.awaitClose()).isEqualTo(4409);
        }
    }

    /** The HTTP status with which the server refused a WebSocket upgrade. */
    static int refusedUpgrade(org.assertj.core.api.ThrowableAssert.ThrowingCallable connect) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(connect);
        while (t != null && !(t instanceof java.net.http.WebSocketHandshakeException)) t = t.getCause();
        assertThat(t).as("the upgrade was refused").isNotNull();
        return ((java.net.http.WebSocketHandshakeException) t).getResponse().statusCode();
    }

    @Test
    void revoking_the_token_ends_live_subscriptions() throws InterruptedException {
        GraphQlClient.Socket s = socket(reader, true).init(null);
        s.subscribe("1", "subscription { orderChanged(id: \"o-1\") { status } }");
        assertThat(s.next().get("type").asString()).isEqualTo("next");
        tokens.revoke("reader");
        JsonNode error = s.next();
        assertThat(error.get("type").asString()).isEqualTo("error");
        assertThat(error.get("id").asString()).isEqualTo("1");
        assertThat(error.at("/payload/0/extensions/code").asString()).isEqualTo("access_revoked");
        assertThat(s.awaitClose()).isEqualTo(4403);
        assertThat(reader.post("{ orders { totalCount } }").status()).isEqualTo(401);
        // nothing is left watching the store
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((extension.feeds().watchers() > 0 || extension.openConnections() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(extension.feeds().watchers()).isZero();
        assertThat(extension.openConnections()).isZero();
    }

    @Test
    void closing_the_server_ends_live_subscriptions() {
        GraphQlClient.Socket s = socket(reader, true).init(null);
        s.subscribe("1", "subscription { orderChanged(id: \"o-1\") { status } }");
        assertThat(s.next().get("type").asString()).isEqualTo("next");
        server.close();
        JsonNode error = s.next();
        assertThat(error.get("type").asString()).isEqualTo("error");
        assertThat(error.at("/payload/0/extensions/code").asString()).isEqualTo("shutdown");
        assertThat(s.awaitClose()).isEqualTo(1001);
        assertThat(extension.openConnections()).isZero();
    }
}

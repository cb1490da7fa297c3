package dev.facta.server;

import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens with grants on one store, over real HTTP: a token without read access to the
 * {@code payroll} streams gets nothing of them through any route, live subscriptions end when
 * their token is revoked (through the API or the token file), and writes need write rights.
 */
class AccessControlTest {
    static final String ROOT = "root-secret-0123456789";
    static final String ORDERS_RO = "orders-ro-secret-0123456789";
    static final String MIXED = "mixed-secret-0123456789";
    static final String WRITER = "writer-secret-0123456789";
    static final String MARK = "payroll-secret";

    InMemoryEventStore events;
    InMemoryProjectionStore projections;
    AccessTokens tokens;
    FactaServer server;
    Http root;
    Http ordersRo;
    Http mixed;
    Http writer;
    RecordedEvent payrollEvent;
    Shop shop;

    @BeforeEach
    void start() {
        events = new InMemoryEventStore();
        projections = new InMemoryProjectionStore();
        tokens = AccessTokens.of(
                AccessToken.full("root", ROOT),
                AccessToken.builder("orders-ro").secret(ORDERS_RO).grant(AccessToken.Grant.streams("order-", AccessToken.Right.READ))
                        .admin(true).build(),
                AccessToken.builder("mixed").secret(MIXED).grant(AccessToken.Grant.streams("order-", AccessToken.Right.READ))
                        .grant(AccessToken.Grant.categories(java.util.Set.of("payment"), AccessToken.Right.READ, AccessToken.Right.WRITE))
                        .build(),
                AccessToken.builder("writer").secret(WRITER).grant(AccessToken.Grant.streams("order-", AccessToken.Right.WRITE)).build());
        shop = new Shop(events);
        server = shop.register(FactaServer.builder(events)).projections(projections).accessTokens(tokens).heartbeat(Duration.ofMillis(200))
                .build().start();
        Http anonymous = new Http(server);
        root = anonymous.withToken(ROOT);
        ordersRo = anonymous.withToken(ORDERS_RO);
        mixed = anonymous.withToken(MIXED);
        writer = anonymous.withToken(WRITER);
        // payroll first, so that a reader of order events must skip a whole page of them
        for (int i = 0; i < 3; i++) {
            events.append(new StreamId("payroll-1"), ExpectedVersion.any(), List.of(EventData.of("Paid",
                    "{\"secret\":\"" + MARK + "\",\"n\":" + i + "}", Metadata.empty().withCorrelationId("corr-1"))));
        }
        payrollEvent = events.readStream(new StreamId("payroll-1")).getFirst();
        events.append(new StreamId("order-1"), ExpectedVersion.any(), List.of(
                EventData.of("Placed", "{\"total\":1}", Metadata.empty().withCorrelationId("corr-1")
                        .withCausationId(payrollEvent.id().toString())),
                EventData.of("Shipped", "{}", Metadata.empty().withCorrelationId("corr-1"))));
        Seeds.projection(projections, MARK);
        Seeds.deadLetters(projections, events, "payroll-1", MARK);
        Seeds.deadLetters(projections, events, "order-1", "order-visible");
        Seeds.readModel(projections, "payslips", "p-1", MARK);
    }

    @AfterEach
    void stop() {
        server.close();
        shop.close();
        events.close();
        tokens.close();
    }

    /** Every GET that answers event data or what is derived from it. */
    List<String> readPaths() {
        List<String> paths = new ArrayList<>(List.of(
                "/streams/payroll-1", "/streams/payroll-1?direction=backward", "/streams/payroll-none", "/streams/order-1",
                "/all", "/all?from=0&limit=1", "/all?from=2&limit=2", "/health",
                "/admin/api/overview", "/admin/api/streams", "/admin/api/streams?prefix=pay", "/admin/api/streams?prefix=payroll-1",
                "/admin/api/stream?name=payroll-1", "/admin/api/stream?name=payroll-1&direction=forward", "/admin/api/stream?name=order-1",
                "/admin/api/event?stream=payroll-1&version=0", "/admin/api/event?stream=order-1&version=0",
                "/admin/api/event?id=" + payrollEvent.id(), "/admin/api/correlation?id=corr-1",
                "/admin/api/projections", "/admin/api/projections/summaries/dead-letters",
                "/admin/api/projections/summaries/dead-letters?limit=1",
                "/admin/api/time-travel?stream=payroll-1", "/admin/api/time-travel?stream=order-1",
                "/admin/api/read-models", "/admin/api/read-models/payslips"));
        for (int p = 1; p <= 6; p++) paths.add("/admin/api/event?position=" + p);
        return paths;
    }

    /** Routes that answer no event data: static files, login, health and metrics (checked on their own). */
    static final java.util.Set<String> NO_EVENT_DATA = java.util.Set.of("GET /admin", "GET /admin/assets/{file}", "GET /metrics",
            "POST /admin/login", "POST /admin/logout", "GET /docs", "GET /docs/{file}", "GET /openapi.json");

    @Test
    void every_route_is_covered_by_the_access_tests() {
        java.util.Set<String> covered = new java.util.TreeSet<>();
        for (String path : readPaths()) covered.add("GET " + routeOf(path.replaceAll("\\?.*", "")));
        covered.addAll(java.util.Set.of("POST /streams/<stream>", "DELETE /streams/<stream>", "GET /subscribe/all",
                // changes of projections and dead letters: admin flag and readable letters, below
                "POST /admin/api/projections/{name}/pause", "POST /admin/api/projections/{name}/resume",
                "POST /admin/api/projections/{name}/rebuild", "POST /admin/api/dead-letters/{id}/discard",
                "POST /admin/api/dead-letters/{id}/retry",
                // the application's endpoints: rights on their categories, below
                "POST /commands/{name}", "POST /queries/{name}"));
        covered.addAll(NO_EVENT_DATA);
        java.util.Set<String> routes = new java.util.TreeSet<>(server.routes());
        routes.removeIf(r -> r.startsWith("BEFORE") || r.startsWith("AFTER"));
        assertThat(routes)
                .as("a new route must be added to the access tests (readPaths, or the lists here) with what it may show")
                .isEqualTo(covered);
    }

    /** The registered route a path matches. */
    private String routeOf(String path) {
        if (path.startsWith("/streams/")) return "/streams/<stream>";
        if (path.matches("/admin/api/projections/[^/]+/dead-letters")) return "/admin/api/projections/{name}/dead-letters";
        if (path.matches("/admin/api/read-models/[^/]+")) return "/admin/api/read-models/{collection}";
        return path;
    }

    @Test
    void a_token_without_read_access_gets_nothing_of_the_stream_through_any_route() {
        for (String path : readPaths()) {
            Http.Reply r = ordersRo.get(path);
            assertThat(r.body()).as(path + ": " + r).doesNotContain(MARK).doesNotContain("\"Paid\"");
            if (!path.contains("pay")) assertThat(r.body()).as(path + ": " + r).doesNotContain("payroll");
            assertThat(root.get(path).status()).as("root reads " + path).isIn(200, 404);
        }
        Http.Reply read = ordersRo.get("/streams/payroll-1");
        assertThat(read.status()).isEqualTo(403);
        assertThat(read.error()).isEqualTo("forbidden");
        assertThat(ordersRo.get("/streams/payroll-none").status()).as("whether or not it exists").isEqualTo(403);
        assertThat(ordersRo.get("/admin/api/read-models").status()).isEqualTo(403);

        // what it may read is all there
        assertThat(ordersRo.all()).extracting(e -> e.get("stream").stringValue()).containsExactly("order-1", "order-1");
        JsonNode first = ordersRo.get("/all?from=0&limit=1").json();
        assertThat(first.get("events").get(0).get("position").asLong()).as("payroll pages skipped").isEqualTo(4);
        assertThat(first.get("next").asLong()).isEqualTo(5);
        assertThat(ordersRo.get("/admin/api/projections/summaries/dead-letters").json().get("letters")).hasSize(2);
        assertThat(ordersRo.get("/admin/api/projections").json().get("projections").get(0).get("lastError").stringValue())
                .startsWith("(hidden");
        JsonNode event = ordersRo.get("/admin/api/event?stream=order-1&version=0").json();
        assertThat(event.get("related").get("causedBy").isNull()).as("the payroll cause is not shown").isTrue();
        assertThat(root.get("/admin/api/event?stream=order-1&version=0").json().get("related").get("causedBy").isNull()).isFalse();
        assertThat(root.get("/admin/api/read-models/payslips").body()).contains(MARK);
    }

    @Test
    void a_subscription_delivers_only_readable_streams() throws Exception {
        try (SseClient sub = SseClient.open(ordersRo, "/subscribe/all")) {
            assertThat(sub.status).isEqualTo(200);
            List<SseClient.Event> catchUp = sub.take(2, Duration.ofSeconds(10));
            root.append("payroll-1", "[{\"type\":\"Paid\",\"data\":{\"secret\":\"" + MARK + "\"}}]");
            root.append("order-2", "[{\"type\":\"Placed\",\"data\":{\"sentinel\":true}}]");
            SseClient.Event live = sub.take(1, Duration.ofSeconds(10)).getFirst();

            assertThat(catchUp).extracting(SseClient.Event::position).containsExactly(4L, 5L);
            assertThat(live.data()).contains("sentinel");
            assertThat(live.position()).isEqualTo(7);
            assertThat(sub.events).isEmpty();
        }
    }

    @Test
    void a_live_subscription_ends_promptly_when_its_token_is_revoked() throws Exception {
        try (SseClient sub = SseClient.open(ordersRo, "/subscribe/all");
             SseClient other = SseClient.open(mixed, "/subscribe/all")) {
            sub.take(2, Duration.ofSeconds(10));
            other.take(2, Duration.ofSeconds(10));

            assertThat(tokens.revoke("orders-ro")).isTrue();

            sub.ended.get(5, TimeUnit.SECONDS);
            SseClient.Event last = sub.take(1, Duration.ofSeconds(1)).getFirst();
            assertThat(last.event()).isEqualTo("error");
            assertThat(last.json().get("error").stringValue()).isEqualTo("access_revoked");
            assertThat(ordersRo.get("/streams/order-1").status()).isEqualTo(401);
            assertThat(other.ended).as("another token's subscription goes on").isNotDone();
            root.append("order-3", "[{\"type\":\"Placed\",\"data\":{}}]");
            assertThat(other.take(1, Duration.ofSeconds(10)).getFirst().json().get("stream").stringValue()).isEqualTo("order-3");
        }
    }

    @Test
    void a_subscription_ends_when_its_grants_no_longer_let_it_read_and_narrowed_grants_filter_at_once() throws Exception {
        try (SseClient sub = SseClient.open(mixed, "/subscribe/all")) {
            sub.take(2, Duration.ofSeconds(10));
            // narrowed: order- streams no longer readable, payment still
            tokens.put(AccessToken.builder("mixed").secret(MIXED)
                    .grant(AccessToken.Grant.categories(java.util.Set.of("payment"), AccessToken.Right.READ)).build());
            root.append("order-9", "[{\"type\":\"Placed\",\"data\":{}}]");
            root.append("payment-1", "[{\"type\":\"Captured\",\"data\":{}}]");
            assertThat(sub.take(1, Duration.ofSeconds(10)).getFirst().json().get("stream").stringValue()).isEqualTo("payment-1");
            // no read grant left: the subscription ends
            tokens.put(AccessToken.builder("mixed").secret(MIXED)
                    .grant(AccessToken.Grant.categories(java.util.Set.of("payment"), AccessToken.Right.WRITE)).build());
            sub.ended.get(5, TimeUnit.SECONDS);
            assertThat(sub.take(1, Duration.ofSeconds(1)).getFirst().json().get("error").stringValue()).isEqualTo("access_revoked");
        }
    }

    @Test
    void removing_a_token_from_the_watched_file_ends_its_subscriptions_and_requests(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens.json");
        Files.writeString(file, "{\"tokens\":[" + fileToken("ops", "ops-secret-0123456789") + "," + fileToken("keep", "keep-secret-0123456789") + "]}");
        try (AccessTokens fromFile = AccessTokens.fromFile(file).watch(Duration.ofMillis(50));
             FactaServer fileServer = FactaServer.builder(events).accessTokens(fromFile).heartbeat(Duration.ofSeconds(30)).build().start()) {
            Http ops = new Http(fileServer).withToken("ops-secret-0123456789");
            try (SseClient sub = SseClient.open(ops, "/subscribe/all")) {
                assertThat(sub.take(5, Duration.ofSeconds(10))).hasSize(5);

                Files.writeString(file, "{\"tokens\":[" + fileToken("keep", "keep-secret-0123456789") + "]}");

                sub.ended.get(5, TimeUnit.SECONDS);
                assertThat(sub.take(1, Duration.ofSeconds(1)).getFirst().json().get("error").stringValue()).isEqualTo("access_revoked");
                assertThat(ops.get("/all").status()).isEqualTo(401);
                assertThat(new Http(fileServer).withToken("keep-secret-0123456789").get("/all").status()).isEqualTo(200);
            }
            // a broken file keeps the tokens read before
            Files.writeString(file, "{\"tokens\":[{\"id\":\"keep\"}]}");
            Thread.sleep(300);
            assertThat(new Http(fileServer).withToken("keep-secret-0123456789").get("/all").status()).isEqualTo(200);
        }
    }

    private static String fileToken(String id, String secret) {
        return "{\"id\":\"" + id + "\",\"secret\":\"" + secret + "\",\"grants\":[{\"streams\":\"*\",\"rights\":[\"read\"]}]}";
    }

    @Test
    void no_request_that_starts_after_a_revocation_gets_through_while_others_run_concurrently() throws Exception {
        AccessToken.Grant all = AccessToken.Grant.everything(AccessToken.Right.READ, AccessToken.Right.WRITE);
        tokens.put(AccessToken.builder("busy").secret("busy-secret-0123456789").grant(all).build());
        Http busy = new Http(server).withToken("busy-secret-0123456789");
        long[] revokedAt = {Long.MAX_VALUE};
        java.util.Queue<long[]> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            int n = w;
            workers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    long start = System.nanoTime();
                    Http.Reply r = i % 2 == 0 ? busy.get("/streams/order-1")
                            : busy.post("/streams/busy-" + n, "[{\"type\":\"A\",\"data\":{}}]");
                    seen.add(new long[]{start, r.status()});
                }
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (seen.stream().noneMatch(r -> r[1] == 200 || r[1] == 201) && System.nanoTime() < deadline) Thread.sleep(10);
        tokens.revoke("busy");
        revokedAt[0] = System.nanoTime();
        while (seen.stream().filter(r -> r[0] > revokedAt[0]).count() < 12 && System.nanoTime() < deadline) Thread.sleep(10);
        stop.set(true);
        for (Thread t : workers) t.join();

        assertThat(seen).anySatisfy(r -> assertThat(r[1]).isIn(200L, 201L));
        List<long[]> after = seen.stream().filter(r -> r[0] > revokedAt[0]).toList();
        assertThat(after).isNotEmpty().allSatisfy(r -> assertThat(r[1]).isEqualTo(401L));
        long written = 0;
        for (int w = 0; w < 6; w++) {
            written += events.streamInfo(new StreamId("busy-" + w)).map(i -> i.lastVersion() + 1).orElse(0L);
        }
        assertThat(written).as("a refused append wrote nothing").isEqualTo(seen.stream().filter(r -> r[1] == 201).count());
    }

    @Test
    void writes_need_write_rights_and_a_refused_write_stores_nothing() {
        long head = events.headPosition();
        String batch = "[{\"type\":\"A\",\"data\":{}},{\"type\":\"B\",\"data\":{}}]";
        for (Http.Reply r : List.of(ordersRo.post("/streams/order-1", batch), ordersRo.post("/streams/order-new", batch),
                writer.post("/streams/payroll-1", batch), mixed.post("/streams/paymentx-1", batch), mixed.post("/streams/order-1", batch),
                ordersRo.delete("/streams/order-1"), writer.delete("/streams/payroll-1"))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(r.error()).isEqualTo("forbidden");
        }
        assertThat(events.headPosition()).isEqualTo(head);
        assertThat(events.streamInfo(new StreamId("order-new"))).isEmpty();
        assertThat(events.streamInfo(new StreamId("order-1")).orElseThrow().deleted()).isFalse();

        assertThat(writer.post("/streams/order-2", batch).status()).isEqualTo(201);
        assertThat(writer.get("/streams/order-2").status()).as("write-only").isEqualTo(403);
        assertThat(mixed.post("/streams/payment-7", batch).status()).isEqualTo(201);
        assertThat(mixed.get("/streams/payment-7").status()).isEqualTo(200);
        assertThat(writer.delete("/streams/order-2").status()).isEqualTo(204);
        assertThat(events.headPosition()).isEqualTo(head + 4);
    }

    @Test
    void commands_need_write_rights_on_their_categories_and_queries_read_rights() {
        String order = "{\"orderId\":\"a-1\",\"customerId\":\"c\",\"quantity\":1}";
        long head = events.headPosition();
        // the admin flag and read rights are no right to send commands
        for (Http h : List.of(ordersRo, mixed)) {
            Http.Reply r = h.post("/commands/PlaceOrder", order);
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(r.error()).isEqualTo("forbidden");
        }
        // write rights on order- streams are no right to write payroll
        Http.Reply salary = writer.post("/commands/PaySalary", "{\"employee\":\"e-1\",\"cents\":100}");
        assertThat(salary.status()).as(salary.toString()).isEqualTo(403);
        Http.Reply anonymous = new Http(server).post("/commands/PlaceOrder", order);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(events.headPosition()).as("refused commands wrote nothing").isEqualTo(head);
        assertThat(shop.placed.get()).isZero();

        assertThat(writer.post("/commands/PlaceOrder", order).status()).isEqualTo(200);
        assertThat(root.post("/commands/PaySalary", "{\"employee\":\"e-1\",\"cents\":100}").status()).isEqualTo(200);

        // queries: read rights on the category
        assertThat(ordersRo.post("/queries/FindOrder", "{\"orderId\":\"a-1\"}").status()).isEqualTo(200);
        assertThat(mixed.post("/queries/FindOrder", "{\"orderId\":\"a-1\"}").status()).isEqualTo(200);
        Http.Reply blind = writer.post("/queries/FindOrder", "{\"orderId\":\"a-1\"}");
        assertThat(blind.status()).as(blind.toString()).isEqualTo(403);
        assertThat(blind.body()).doesNotContain("\"customerId\"");
        assertThat(new Http(server).post("/queries/FindOrder", "{\"orderId\":\"a-1\"}").status()).isEqualTo(401);

        // a revoked token sends nothing
        assertThat(tokens.revoke("writer")).isTrue();
        Http.Reply revoked = writer.post("/commands/PlaceOrder", order.replace("a-1", "a-2"));
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(events.readAll(0, 1000).events()).noneMatch(e -> e.stream().value().equals("order-a-2"));
    }

    @Test
    void the_document_needs_a_token_and_swagger_ui_does_not() {
        Http anonymous = new Http(server);
        assertThat(anonymous.get("/openapi.json").status()).isEqualTo(401);
        assertThat(writer.get("/openapi.json").status()).as("any valid token").isEqualTo(200);
        assertThat(anonymous.get("/docs").status()).isEqualTo(200);
        assertThat(anonymous.get("/docs/swagger-ui-bundle.js").status()).isEqualTo(200);
        assertThat(anonymous.get("/docs/../openapi.json").status()).isIn(400, 401, 404);
        assertThat(anonymous.get("/docs/pom.properties").status()).isIn(401, 404);
    }

    @Test
    void the_admin_api_needs_the_admin_flag_and_metrics_too() {
        assertThat(mixed.get("/admin/api/overview").status()).isEqualTo(403);
        assertThat(mixed.get("/admin/api/streams").error()).isEqualTo("forbidden");
        assertThat(mixed.post("/admin/api/projections/summaries/pause", "", "X-Facta-Admin", "1").status()).isEqualTo(403);
        assertThat(mixed.get("/metrics").status()).isEqualTo(403);
        assertThat(ordersRo.get("/metrics").status()).isEqualTo(200);
        long payrollLetter = root.get("/admin/api/projections/summaries/dead-letters").json().get("letters").get(0).get("id").asLong();
        Http.Reply discard = ordersRo.post("/admin/api/dead-letters/" + payrollLetter + "/discard", "", "X-Facta-Admin", "1");
        assertThat(discard.status()).as("a letter of an unreadable stream does not exist for it").isEqualTo(404);
        assertThat(projections.deadLetter(payrollLetter)).isPresent();
    }

    @Test
    void a_browser_session_acts_as_its_token_and_dies_with_it() {
        Http anonymous = new Http(server);
        Http.Reply login = anonymous.post("/admin/login", "{\"token\":\"" + ORDERS_RO + "\"}");
        assertThat(login.status()).isEqualTo(204);
        String cookie = login.header("Set-Cookie").substring(0, login.header("Set-Cookie").indexOf(';'));
        assertThat(cookie).doesNotContain(ORDERS_RO);

        assertThat(anonymous.get("/streams/order-1", "Cookie", cookie).status()).isEqualTo(200);
        assertThat(anonymous.get("/streams/payroll-1", "Cookie", cookie).status()).isEqualTo(403);
        assertThat(anonymous.get("/admin/api/streams", "Cookie", cookie).body()).doesNotContain("payroll");

        tokens.revoke("orders-ro");
        assertThat(anonymous.get("/streams/order-1", "Cookie", cookie).status()).isEqualTo(401);
        // the same id with another secret: old sessions stay dead
        tokens.put(AccessToken.builder("orders-ro").secret("another-secret-0123456789")
                .grant(AccessToken.Grant.streams("order-", AccessToken.Right.READ)).build());
        assertThat(anonymous.get("/streams/order-1", "Cookie", cookie).status()).isEqualTo(401);
    }
}

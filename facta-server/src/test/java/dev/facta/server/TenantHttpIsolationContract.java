package dev.facta.server;

import dev.facta.projection.ProjectionStore;
import dev.facta.tenancy.MultiTenantStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two tenants using the same stream ids, served by one multi-tenant server over real HTTP: every
 * API call as tenant A (reads, the global log, subscriptions, the stream list, the admin API's
 * streams, events, relations, projections, dead letters and read models, health, counts) returns
 * nothing of tenant B, writes and admin operations as A change nothing of B, and requests without
 * a usable tenant are refused. Each multi-tenant strategy runs it through a subclass.
 */
abstract class TenantHttpIsolationContract {
    static final String A = "acme";
    static final String B = "globex";
    static final String A_SECRET = "acme-token-0123456789";
    static final String B_SECRET = "globex-token-0123456789";
    static final String BOTH_SECRET = "both-token-0123456789";
    static final String ROOT_SECRET = "root-token-0123456789";

    /** A new, empty multi-tenant store; the test closes it. */
    abstract MultiTenantStore newTenants();

    /** Removes what the store left outside the test's folder (schemas, databases), while it is still open. */
    void cleanUp(MultiTenantStore store) {
    }

    MultiTenantStore tenants;
    AccessTokens tokens;
    FactaServer server;
    Http asA;
    Http asB;
    Http both;
    Http root;

    @BeforeEach
    void start() {
        tenants = newTenants();
        AccessToken.Grant all = AccessToken.Grant.everything(AccessToken.Right.READ, AccessToken.Right.WRITE);
        tokens = AccessTokens.of(
                AccessToken.builder("acme-admin").secret(A_SECRET).tenants(A).grant(all).admin(true).build(),
                AccessToken.builder("globex-admin").secret(B_SECRET).tenants(B).grant(all).admin(true).build(),
                AccessToken.builder("both").secret(BOTH_SECRET).tenants(A, B).grant(all).admin(true).build(),
                AccessToken.full("root", ROOT_SECRET));
        server = FactaServer.builder(tenants).accessTokens(tokens).heartbeat(Duration.ofMillis(200)).build().start();
        Http anonymous = new Http(server);
        asA = anonymous.withToken(A_SECRET);
        asB = anonymous.withToken(B_SECRET);
        both = anonymous.withToken(BOTH_SECRET);
        root = anonymous.withToken(ROOT_SECRET);
        seed(asA, A, 3, List.of("order-1"));
        seed(asB, B, 4, List.of("order-1", "order-2"));
    }

    /** The same stream ids in both tenants; B has more events and a stream A has not. */
    private void seed(Http as, String tenant, int perStream, List<String> streams) {
        for (String s : streams) {
            for (int i = 0; i < perStream; i++) {
                as.append(s, "[{\"type\":\"Placed\",\"data\":{\"secret\":\"" + tenant + "-secret\",\"n\":" + i + "},"
                        + "\"metadata\":{\"correlationId\":\"corr-1\"}}]");
            }
        }
        ProjectionStore p = tenants.forTenant(tenant).projections();
        Seeds.projection(p, tenant + "-secret");
        Seeds.deadLetters(p, tenants.forTenant(tenant).events(), "order-1", tenant + "-secret");
        Seeds.readModel(p, "orders", "order-1", tenant + "-secret");
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (tenants != null) {
            try {
                cleanUp(tenants);
            } finally {
                tenants.close();
            }
        }
    }

    /** Every GET that answers data, as the admin UI and API clients call them. */
    static List<String> readPaths() {
        List<String> paths = new ArrayList<>(List.of(
                "/streams/order-1", "/streams/order-1?direction=backward", "/streams/order-1?from=1&limit=1",
                "/all", "/all?from=0&limit=1", "/health",
                "/admin/api/overview", "/admin/api/streams", "/admin/api/streams?prefix=order", "/admin/api/stream?name=order-1",
                "/admin/api/stream?name=order-2", "/admin/api/stream?name=order-1&direction=forward",
                "/admin/api/event?stream=order-1&version=0", "/admin/api/event?stream=order-2&version=0",
                "/admin/api/correlation?id=corr-1", "/admin/api/projections", "/admin/api/projections/summaries/dead-letters",
                "/admin/api/time-travel?stream=order-1", "/admin/api/time-travel?stream=order-2",
                "/admin/api/read-models", "/admin/api/read-models/orders"));
        for (int p = 1; p <= 8; p++) paths.add("/admin/api/event?position=" + p);
        return paths;
    }

    @Test
    void every_read_as_one_tenant_returns_nothing_of_the_other() {
        for (String path : readPaths()) {
            for (Http.Reply r : List.of(asA.get(path), both.get(path, FactaServer.TENANT_HEADER, A),
                    root.get(path + (path.contains("?") ? "&" : "?") + "tenant=" + A))) {
                assertThat(r.body()).as(path + " as acme: " + r).doesNotContain(B + "-secret");
                assertThat(r.status()).as(path + " as acme: " + r).isIn(200, 404);
            }
            Http.Reply asGlobex = asB.get(path);
            assertThat(asGlobex.body()).as(path + " as globex").doesNotContain(A + "-secret");
        }
        // and the data is there for its own tenant
        assertThat(asA.get("/streams/order-1").body()).contains(A + "-secret");
        assertThat(asA.get("/admin/api/read-models/orders").body()).contains(A + "-secret");
        assertThat(asB.get("/admin/api/projections/summaries/dead-letters").body()).contains(B + "-secret");
    }

    @Test
    void counts_lists_and_positions_are_the_tenants_own() {
        assertThat(asA.all()).hasSize(3);
        assertThat(asB.all()).hasSize(8);
        assertThat(asA.get("/streams/order-1?limit=100").json().get("events")).hasSize(3);
        assertThat(asA.get("/streams/order-2").status()).isEqualTo(404);
        assertThat(streamNames(asA)).containsExactly("order-1");
        assertThat(streamNames(asB)).containsExactly("order-1", "order-2");
        assertThat(asA.get("/health").json().get("headPosition").asLong()).isEqualTo(3);
        assertThat(asA.get("/admin/api/overview").json().get("headPosition").asLong()).isEqualTo(3);
        assertThat(asA.get("/admin/api/projections/summaries/dead-letters").json().get("letters")).hasSize(3);
        assertThat(asB.get("/admin/api/projections/summaries/dead-letters").json().get("letters")).hasSize(4);
        assertThat(asA.get("/admin/api/correlation?id=corr-1").json().get("events")).hasSize(3);
        assertThat(asA.get("/admin/api/read-models").json().get("collections").get(0).get("count").asLong()).isEqualTo(1);
    }

    private static Set<String> streamNames(Http as) {
        Set<String> names = new TreeSet<>();
        as.get("/admin/api/streams").json().get("streams").forEach(s -> names.add(s.get("stream").stringValue()));
        return names;
    }

    @Test
    void a_subscription_as_one_tenant_delivers_only_its_events() throws Exception {
        try (SseClient sub = SseClient.open(both, "/subscribe/all?tenant=" + A)) {
            assertThat(sub.status).isEqualTo(200);
            List<SseClient.Event> catchUp = sub.take(3, Duration.ofSeconds(10));
            asB.append("order-1", "[{\"type\":\"Placed\",\"data\":{\"secret\":\"globex-live\"}}]");
            asA.append("order-1", "[{\"type\":\"Placed\",\"data\":{\"sentinel\":true}}]");
            SseClient.Event live = sub.take(1, Duration.ofSeconds(10)).getFirst();

            assertThat(catchUp).allSatisfy(e -> assertThat(e.data()).contains(A + "-secret"));
            assertThat(live.data()).contains("sentinel");
            assertThat(live.position()).isEqualTo(4);
            assertThat(sub.events).isEmpty();
        }
    }

    @Test
    void writes_and_admin_operations_as_one_tenant_change_nothing_of_the_other() {
        asA.append("order-1", "[{\"type\":\"Shipped\",\"data\":{}}]");
        assertThat(asA.delete("/streams/order-2").status()).as("order-2 exists in globex only").isEqualTo(404);
        assertThat(asA.delete("/streams/order-1").status()).isEqualTo(204);
        assertThat(asA.post("/admin/api/projections/summaries/pause", "", "X-Facta-Admin", "1").status()).isEqualTo(200);
        long letter = asA.get("/admin/api/projections/summaries/dead-letters").json().get("letters").get(0).get("id").asLong();
        assertThat(asA.post("/admin/api/dead-letters/" + letter + "/discard", "", "X-Facta-Admin", "1").status()).isEqualTo(200);

        assertThat(asB.get("/streams/order-1?limit=100").json().get("events")).hasSize(4);
        assertThat(asB.get("/streams/order-2").status()).isEqualTo(200);
        assertThat(asB.all()).hasSize(8);
        JsonNode projection = asB.get("/admin/api/projections").json().get("projections").get(0);
        assertThat(projection.get("paused").asBoolean()).isFalse();
        assertThat(asB.get("/admin/api/projections/summaries/dead-letters").json().get("letters")).hasSize(4);
        assertThat(asA.get("/admin/api/projections/summaries/dead-letters").json().get("letters")).hasSize(2);
    }

    @Test
    void a_request_without_a_usable_tenant_is_refused_and_changes_nothing() {
        Http.Reply none = both.get("/all");
        assertThat(none.status()).as(none.toString()).isEqualTo(400);
        assertThat(none.error()).isEqualTo("tenant_required");
        assertThat(root.post("/streams/order-9", "[{\"type\":\"A\",\"data\":{}}]").error()).isEqualTo("tenant_required");
        assertThat(both.get("/admin/api/streams").error()).isEqualTo("tenant_required");

        Http.Reply bad = both.get("/all", FactaServer.TENANT_HEADER, "Acme!");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error()).isEqualTo("bad_request");
        assertThat(both.get("/all?tenant=" + A, FactaServer.TENANT_HEADER, B).error()).isEqualTo("bad_request");

        Http.Reply other = asA.get("/all", FactaServer.TENANT_HEADER, B);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.error()).isEqualTo("forbidden");
        Http.Reply write = asA.post("/streams/order-1", "[{\"type\":\"A\",\"data\":{}}]", FactaServer.TENANT_HEADER, B);
        assertThat(write.status()).isEqualTo(403);
        assertThat(asA.get("/admin/api/streams", FactaServer.TENANT_HEADER, B).status()).isEqualTo(403);
        try (SseClient sub = SseClient.open(asA, "/subscribe/all?tenant=" + B)) {
            assertThat(sub.status).isEqualTo(403);
        }

        assertThat(asB.all()).hasSize(8);
        assertThat(tenants.tenants()).containsExactlyInAnyOrder(A, B);
    }

    @Test
    void reading_never_creates_a_tenant_and_writing_provisions_one() {
        Http.Reply read = root.get("/all", FactaServer.TENANT_HEADER, "newco");
        assertThat(read.status()).as(read.toString()).isEqualTo(404);
        assertThat(read.error()).isEqualTo("tenant_not_found");
        assertThat(root.get("/admin/api/streams?tenant=newco").status()).isEqualTo(404);
        try (SseClient sub = SseClient.open(root, "/subscribe/all?tenant=newco")) {
            assertThat(sub.status).isEqualTo(404);
        }
        assertThat(tenants.tenants()).containsExactlyInAnyOrder(A, B);

        assertThat(root.post("/streams/order-1", "[{\"type\":\"A\",\"data\":{}}]", FactaServer.TENANT_HEADER, "newco").status())
                .as("these stores provision tenants on first use").isEqualTo(201);
        assertThat(tenants.tenants()).contains("newco");
        assertThat(root.get("/all?tenant=newco").json().get("events")).hasSize(1);
    }

    @Test
    void a_subscription_ends_when_its_token_loses_the_tenant() throws Exception {
        try (SseClient sub = SseClient.open(both, "/subscribe/all?tenant=" + B);
             SseClient stays = SseClient.open(both, "/subscribe/all?tenant=" + A)) {
            sub.take(8, Duration.ofSeconds(10));
            stays.take(3, Duration.ofSeconds(10));
            tokens.put(AccessToken.builder("both").secret(BOTH_SECRET).tenants(A)
                    .grant(AccessToken.Grant.everything(AccessToken.Right.READ)).admin(true).build());

            sub.ended.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(sub.take(1, Duration.ofSeconds(1)).getFirst().json().get("error").stringValue()).isEqualTo("access_revoked");
            assertThat(both.get("/all", FactaServer.TENANT_HEADER, B).status()).isEqualTo(403);
            assertThat(stays.ended).isNotDone();
        }
    }

    @Test
    void metrics_count_every_tenant_so_only_an_admin_of_every_tenant_reads_them() {
        assertThat(asA.get("/metrics").status()).isEqualTo(403);
        assertThat(both.get("/metrics", FactaServer.TENANT_HEADER, A).status()).isEqualTo(403);
        Http.Reply metrics = root.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).doesNotContain("secret");
        assertThat(new Http(server).get("/health").json().has("headPosition")).as("anonymous health").isFalse();
    }
}

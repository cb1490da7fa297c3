package dev.facta.graphql;

import dev.facta.projection.ProjectionEngine;
import dev.facta.server.AccessToken;
import dev.facta.server.AccessTokens;
import dev.facta.server.FactaServer;
import dev.facta.tenancy.InMemoryMultiTenantStore;
import dev.facta.tenancy.TenantStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server for the tenants of a multi-tenant store: each tenant's GraphQL queries and subscriptions see
 * its own read models and nothing of another tenant's, and a token bound to one tenant cannot name another.
 */
class MultiTenantGraphQlTest {
    static final String ACME = "acme-secret-0123456789";
    static final String GLOBEX = "globex-secret-0123456789";
    static final String ROOT = "root-secret-0123456789";

    InMemoryMultiTenantStore tenants;
    TenantStore acme;
    TenantStore globex;
    List<ProjectionEngine> engines = new ArrayList<>();
    AccessTokens tokens;
    FactaServer server;
    GraphQlClient acmeClient;
    GraphQlClient globexClient;
    List<GraphQlClient.Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        tenants = new InMemoryMultiTenantStore();
        tenants.provision("acme");
        tenants.provision("globex");
        acme = tenants.forTenant("acme");
        globex = tenants.forTenant("globex");
        for (TenantStore t : List.of(acme, globex)) {
            engines.add(ProjectionEngine.builder(t.events(), t.projections()).register(new Orders.SummaryProjection())
                    .pollInterval(Duration.ofMillis(20)).build().start());
        }
        tokens = AccessTokens.of(
                AccessToken.builder("acme").secret(ACME).tenants("acme").grant(AccessToken.Grant.everything(AccessToken.Right.READ)).build(),
                AccessToken.builder("globex").secret(GLOBEX).tenants("globex").grant(AccessToken.Grant.everything(AccessToken.Right.READ)).build(),
                AccessToken.full("root", ROOT));
        server = FactaServer.builder(tenants).accessTokens(tokens)
                .extension(new GraphQlExtension(Orders.models(), GraphQlContract.LIMITS)).build().start();
        acmeClient = new GraphQlClient(server.url(), ACME, null);
        globexClient = new GraphQlClient(server.url(), GLOBEX, null);
        Orders.place(acme.events(), "o-1", "ada", "12.50", 2, "2026-11-01T10:00:00Z", "Oslo");
        Orders.place(acme.events(), "o-2", "bob", "99.99", 5, "2026-11-02T10:00:00Z", "Bergen");
        caughtUp();
    }

    @AfterEach
    void stop() {
        for (GraphQlClient.Socket s : sockets) s.abort();
        server.close();
        for (ProjectionEngine e : engines) e.close();
        tokens.close();
        tenants.close();
    }

    void caughtUp() {
        for (ProjectionEngine e : engines) assertThat(e.awaitCaughtUp("order-summary", Duration.ofSeconds(15))).isTrue();
    }

    @Test
    void each_tenant_queries_its_own_read_models() {
        JsonNode a = acmeClient.post("{ orders { totalCount nodes { orderId } } order(id: \"o-1\") { customer } }").body();
        assertThat(a.at("/data/orders/totalCount").asLong()).as(a.toString()).isEqualTo(2);
        assertThat(a.at("/data/order/customer").asString()).isEqualTo("ada");
        JsonNode g = globexClient.post("{ orders { totalCount nodes { orderId } } order(id: \"o-1\") { customer } }").body();
        assertThat(g.has("errors")).as(g.toString()).isFalse();
        assertThat(g.at("/data/orders/totalCount").asLong()).isZero();
        assertThat(g.at("/data/orders/nodes").size()).isZero();
        assertThat(g.at("/data/order").isNull()).isTrue();
        GraphQlClient.Response crossing = globexClient.withTenant("acme").post("{ orders { totalCount } }");
        assertThat(crossing.status()).isEqualTo(403);
        assertThat(crossing.body().get("error").asString()).isEqualTo("forbidden");
        GraphQlClient root = new GraphQlClient(server.url(), ROOT, null);
        assertThat(root.post("{ orders { totalCount } }").body().get("error").asString()).isEqualTo("tenant_required");
        assertThat(root.withTenant("globex").post("{ orders { totalCount } }").body().at("/data/orders/totalCount").asLong()).isZero();
        assertThat(root.withTenant("acme").post("{ orders { totalCount } }").body().at("/data/orders/totalCount").asLong()).isEqualTo(2);
    }

    @Test
    void a_tenant_subscription_sees_nothing_of_another_tenant() {
        GraphQlClient.Socket g = globexClient.connect(true);
        sockets.add(g);
        g.init(null);
        g.subscribe("all", "subscription { ordersChanged(first: 50) { orderId customer } }");
        assertThat(g.next().at("/payload/data/ordersChanged").size()).isZero();
        g.subscribe("one", "subscription { orderChanged(id: \"o-3\") { customer } }");
        assertThat(g.next().at("/payload/data/orderChanged").isNull()).isTrue();
        // acme's subscriber (tenant named in connection_init) sees acme's new order
        GraphQlClient.Socket a = new GraphQlClient(server.url(), null, null).connect(false);
        sockets.add(a);
        a.init(Map.of("token", ACME, "tenant", "acme"));
        a.subscribe("one", "subscription { orderChanged(id: \"o-3\") { customer } }");
        assertThat(a.next().at("/payload/data/orderChanged").isNull()).isTrue();
        Orders.place(acme.events(), "o-3", "cy", "7.00", 1, "2026-11-03T10:00:00Z", "Oslo");
        JsonNode seen = a.next();
        assertThat(seen.at("/payload/data/orderChanged/customer").asString()).as(seen.toString()).isEqualTo("cy");
        caughtUp();
        assertThat(g.poll(Duration.ofMillis(500))).isNull();
        // and globex's own order reaches globex only
        Orders.place(globex.events(), "o-3", "globex-cy", "1.00", 1, "2026-11-03T10:00:00Z", "Oslo");
        List<String> types = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JsonNode m = g.next();
            types.add(m.get("id").asString());
            if (m.get("id").asString().equals("one")) {
                assertThat(m.at("/payload/data/orderChanged/customer").asString()).isEqualTo("globex-cy");
            } else {
                assertThat(m.at("/payload/data/ordersChanged/0/customer").asString()).isEqualTo("globex-cy");
            }
        }
        assertThat(types).containsExactlyInAnyOrder("one", "all");
        caughtUp();
        assertThat(a.poll(Duration.ofMillis(500))).isNull();
    }

    @Test
    void a_token_of_one_tenant_cannot_open_another_tenants_socket() {
        GraphQlClient.Socket s = new GraphQlClient(server.url(), null, null).connect(false);
        sockets.add(s);
        s.send(Map.of("type", "connection_init", "payload", Map.of("token", GLOBEX, "tenant", "acme")));
        assertThat(s.awaitClose()).isEqualTo(4403);
        assertThat(s.closeReason).contains("forbidden");
    }
}

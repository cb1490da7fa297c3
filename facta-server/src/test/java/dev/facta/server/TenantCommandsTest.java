package dev.facta.server;

import dev.facta.store.StreamId;
import dev.facta.tenancy.InMemoryMultiTenantStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Commands and queries on a multi-tenant server, over real HTTP: each runs in the request's tenant
 * (the application's handlers work on the tenants' routing store), sees and changes only that
 * tenant's data, and a token works only for its tenants.
 */
class TenantCommandsTest {
    static final String ACME = "acme-secret-0123456789";
    static final String GLOBEX = "globex-secret-0123456789";
    static final String BOTH = "both-secret-0123456789";

    InMemoryMultiTenantStore tenants;
    AccessTokens tokens;
    Shop shop;
    FactaServer server;
    Http acme;
    Http globex;
    Http both;

    @BeforeEach
    void start() {
        tenants = new InMemoryMultiTenantStore();
        tokens = AccessTokens.of(
                token("acme", ACME).tenants("acme").build(),
                token("globex", GLOBEX).tenants("globex").build(),
                token("both", BOTH).tenants("acme", "globex").build());
        shop = new Shop(tenants.routing());
        server = shop.register(FactaServer.builder(tenants)).accessTokens(tokens).build().start();
        Http anonymous = new Http(server);
        acme = anonymous.withToken(ACME);
        globex = anonymous.withToken(GLOBEX);
        both = anonymous.withToken(BOTH);
    }

    private static AccessToken.Builder token(String id, String secret) {
        return AccessToken.builder(id).secret(secret)
                .grant(AccessToken.Grant.categories(java.util.Set.of("order"), AccessToken.Right.READ, AccessToken.Right.WRITE));
    }

    @AfterEach
    void stop() {
        server.close();
        shop.close();
        tenants.close();
        tokens.close();
    }

    @Test
    void a_command_runs_in_the_requests_tenant_and_its_queries_see_only_that_tenant() {
        String order = "{\"orderId\":\"o-1\",\"customerId\":\"c-acme\",\"quantity\":2}";
        Http.Reply placed = acme.post("/commands/PlaceOrder", order);
        assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
        assertThat(tenants.forTenant("acme").events().readStream(StreamId.of("order-o-1"))).hasSize(1);
        assertThat(tenants.tenants()).containsExactly("acme");

        Http.Reply mine = acme.post("/queries/FindOrder", "{\"orderId\":\"o-1\"}");
        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.json().get("result").get("tenant").stringValue()).isEqualTo("acme");
        Http.Reply theirs = both.post("/queries/FindOrder", "{\"orderId\":\"o-1\"}", "Facta-Tenant", "globex");
        assertThat(theirs.status()).as("globex has no tenant store yet: reads never create one").isEqualTo(404);
        assertThat(theirs.error()).isEqualTo("tenant_not_found");

        // the same order id in another tenant is another order
        assertThat(globex.post("/commands/PlaceOrder", order.replace("c-acme", "c-globex")).status()).isEqualTo(200);
        Http.Reply globexOrder = both.post("/queries/FindOrder", "{\"orderId\":\"o-1\"}", "Facta-Tenant", "globex");
        assertThat(globexOrder.json().get("result").get("customerId").stringValue()).isEqualTo("c-globex");
        assertThat(globexOrder.json().get("result").get("tenant").stringValue()).isEqualTo("globex");
        assertThat(acme.post("/queries/FindOrder", "{\"orderId\":\"o-1\"}").json().get("result").get("customerId").stringValue())
                .isEqualTo("c-acme");
    }

    @Test
    void a_token_sends_commands_only_to_its_tenants() {
        long before = shop.placed.get();
        Http.Reply other = acme.post("/commands/PlaceOrder", "{\"orderId\":\"o-2\",\"customerId\":\"c\",\"quantity\":1}",
                "Facta-Tenant", "globex");
        assertThat(other.status()).isEqualTo(403);
        Http.Reply unnamed = both.post("/commands/PlaceOrder", "{\"orderId\":\"o-2\",\"customerId\":\"c\",\"quantity\":1}");
        assertThat(unnamed.status()).isEqualTo(400);
        assertThat(unnamed.error()).isEqualTo("tenant_required");
        assertThat(shop.placed.get()).isEqualTo(before);
        assertThat(tenants.tenants()).isEmpty();
    }

    @Test
    void idempotency_keys_belong_to_their_tenant() {
        String order = "{\"orderId\":\"o-3\",\"customerId\":\"c\",\"quantity\":1}";
        assertThat(acme.post("/commands/PlaceOrder", order, "Idempotency-Key", "same").status()).isEqualTo(200);
        Http.Reply globexRun = globex.post("/commands/PlaceOrder", order, "Idempotency-Key", "same");
        assertThat(globexRun.status()).isEqualTo(200);
        assertThat(shop.placed.get()).as("the key of acme does not answer for globex").isEqualTo(2);
        assertThat(tenants.forTenant("globex").events().readStream(StreamId.of("order-o-3"))).hasSize(1);
        assertThat(acme.post("/commands/PlaceOrder", order, "Idempotency-Key", "same").status()).isEqualTo(200);
        assertThat(shop.placed.get()).isEqualTo(2);
    }
}

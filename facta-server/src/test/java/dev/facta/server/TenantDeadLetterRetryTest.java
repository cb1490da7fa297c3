package dev.facta.server;

import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.store.RecordedEvent;
import dev.facta.tenancy.InMemoryMultiTenantStore;
import dev.facta.tenancy.TenantStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** A multi-tenant server retries a tenant's dead letters through that tenant's projection engine, and only there. */
class TenantDeadLetterRetryTest {
    private static final String A = "acme";
    private static final String B = "globex";
    private final InMemoryMultiTenantStore tenants = new InMemoryMultiTenantStore();
    private final Map<String, ProjectionEngine> engines = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private FactaServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        engines.values().forEach(ProjectionEngine::close);
        tenants.close();
    }

    private ProjectionEngine engineOf(String tenant) {
        TenantStore ts = tenants.forTenant(tenant);
        Projection counter = new Projection() {
            @Override
            public String name() {
                return "counter";
            }

            @Override
            public void apply(RecordedEvent event, ProjectionContext context) {
                if (failing.contains(tenant) && event.type().equals("Bad")) throw new IllegalStateException("cannot handle Bad");
            }
        };
        ProjectionEngine engine = ProjectionEngine.builder(ts.events(), ts.projections())
                .register(counter, ProjectionOptions.builder().maxAttempts(1).onFailure(OnFailure.STOP).build())
                .pollInterval(Duration.ofMillis(20)).build();
        engine.start();
        return engine;
    }

    /** Requests for one tenant, named by the header. */
    private record In(Http http, String tenant) {
        Http.Reply get(String path) {
            return http.get(path, FactaServer.TENANT_HEADER, tenant);
        }

        Http.Reply post(String path, String body, String... headers) {
            String[] all = java.util.Arrays.copyOf(headers, headers.length + 2);
            all[headers.length] = FactaServer.TENANT_HEADER;
            all[headers.length + 1] = tenant;
            return http.post(path, body, all);
        }

        void append(String stream, String events) {
            http.append(stream, events, FactaServer.TENANT_HEADER, tenant);
        }
    }

    private JsonNode letters(In as) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode letters;
        do {
            Thread.sleep(20);
            letters = as.get("/admin/api/projections/counter/dead-letters").json();
        } while (letters.get("letters").isEmpty() && System.nanoTime() < deadline);
        return letters;
    }

    @Test
    void retries_go_to_the_tenants_own_engine() throws Exception {
        for (String t : new String[]{A, B}) engines.put(t, engineOf(t));
        server = FactaServer.builder(tenants).tenantProjectionEngines(t -> Optional.ofNullable(engines.get(t))).build().start();
        In inA = new In(new Http(server), A);
        In inB = new In(new Http(server), B);
        failing.add(A);
        inA.append("order-1", "[{\"type\":\"Good\",\"data\":{}},{\"type\":\"Bad\",\"data\":{}}]");
        inB.append("order-1", "[{\"type\":\"Good\",\"data\":{}}]");
        JsonNode parked = letters(inA);
        assertThat(parked.get("letters")).hasSize(1);
        assertThat(parked.get("retryAvailable").asBoolean()).isTrue();
        long id = parked.get("letters").get(0).get("id").asLong();

        // another tenant cannot reach the letter, and has none of its own
        assertThat(inB.post("/admin/api/dead-letters/" + id + "/retry", "", "X-Facta-Admin", "1").status()).isEqualTo(404);
        assertThat(inB.get("/admin/api/projections/counter/dead-letters").json().get("letters")).isEmpty();

        failing.remove(A);
        Http.Reply retried = inA.post("/admin/api/dead-letters/" + id + "/retry", "", "X-Facta-Admin", "1");
        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.json().get("applied").asBoolean()).isTrue();
        assertThat(inA.get("/admin/api/projections/counter/dead-letters").json().get("letters")).isEmpty();
        assertThat(engines.get(A).awaitCaughtUp("counter", Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void without_an_engine_for_the_tenant_retry_is_unavailable() throws Exception {
        engines.put(A, engineOf(A));
        server = FactaServer.builder(tenants).tenantProjectionEngines(t -> Optional.empty()).build().start();
        In inA = new In(new Http(server), A);
        failing.add(A);
        inA.append("order-1", "[{\"type\":\"Bad\",\"data\":{}}]");
        JsonNode parked = letters(inA);
        assertThat(parked.get("retryAvailable").asBoolean()).isFalse();
        long id = parked.get("letters").get(0).get("id").asLong();
        assertThat(inA.post("/admin/api/dead-letters/" + id + "/retry", "", "X-Facta-Admin", "1").status()).isEqualTo(409);
    }
}

package dev.facta.server;

import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /metrics}: Prometheus text with request counts and latencies per route and status, and the store's meters. */
class MetricsTest {
    @Test
    void metrics_count_requests_by_method_route_and_status_and_show_the_store_and_the_jvm() {
        try (InMemoryEventStore store = new InMemoryEventStore();
             FactaServer server = FactaServer.builder(store).build().start()) {
            Http http = new Http(server);
            http.append("order-1", "[{\"type\":\"A\",\"data\":{}}]");
            http.append("order-2", "[{\"type\":\"A\",\"data\":{}}]");
            http.post("/streams/order-1", "[{\"type\":\"B\",\"data\":{}}]", "Facta-Expected-Version", "no_stream");
            http.get("/streams/order-1");
            http.get("/all");
            http.get("/secret-path-123");

            Http.Reply r = http.get("/metrics");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/plain").contains("version=0.0.4");
            String text = r.body();
            assertThat(text).contains("# TYPE facta_http_requests_seconds histogram");
            assertThat(line(text, "facta_http_requests_seconds_count{method=\"POST\",route=\"/streams/<stream>\",status=\"201\"}")).endsWith(" 2");
            assertThat(line(text, "facta_http_requests_seconds_count{method=\"POST\",route=\"/streams/<stream>\",status=\"409\"}")).endsWith(" 1");
            assertThat(line(text, "facta_http_requests_seconds_count{method=\"GET\",route=\"/streams/<stream>\",status=\"200\"}")).endsWith(" 1");
            assertThat(line(text, "facta_http_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}")).endsWith(" 1");
            assertThat(text).contains("facta_http_requests_seconds_bucket{method=\"GET\",route=\"/all\",status=\"200\",le=\"0.005\"}");
            assertThat(text).as("paths of unknown routes never become labels").doesNotContain("secret-path-123");
            assertThat(text).contains("facta_store_appends_total{exception=\"none\",outcome=\"success\",store=\"server\"} 2.0");
            assertThat(text).contains("facta_store_appends_total{exception=\"WrongExpectedVersionException\",outcome=\"failure\",store=\"server\"} 1.0");
            assertThat(text).contains("jvm_memory_used_bytes").contains("process_uptime_seconds");
        }
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + " in\n" + text));
    }
}

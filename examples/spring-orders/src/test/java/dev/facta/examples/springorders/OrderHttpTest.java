package dev.facta.examples.springorders;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API over a real SQLite file, with Actuator health and metrics. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrderHttpTest {
    private static Path dir;

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) throws IOException {
        dir = Files.createTempDirectory("spring-orders");
        registry.add("facta.store.url", () -> "sqlite:" + dir.resolve("orders.db"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json");
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Reads the order until the projection shows it in the wanted status. */
    private HttpResponse<String> awaitStatus(String id, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> r;
        do {
            r = send("GET", "/orders/" + id, null);
            if (r.statusCode() == 200 && r.body().contains("\"status\":\"" + status + "\"")) return r;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return r;
    }

    @Test
    void an_order_placed_and_shipped_over_http_shows_in_the_read_model() throws Exception {
        HttpResponse<String> placed = send("POST", "/orders", "{\"orderId\":\"h-1\",\"customer\":\"cy\",\"totalCents\":990}");
        assertThat(placed.statusCode()).isEqualTo(201);
        assertThat(placed.body()).contains("\"orderId\":\"h-1\"");
        assertThat(awaitStatus("h-1", "placed").body()).contains("\"customer\":\"cy\"", "\"totalCents\":990");

        assertThat(send("POST", "/orders/h-1/ship", null).statusCode()).isEqualTo(200);
        assertThat(awaitStatus("h-1", "shipped").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/orders?customer=cy", null).body()).contains("\"orderId\":\"h-1\"");
    }

    @Test
    void bad_commands_and_unknown_orders_get_clear_errors() throws Exception {
        HttpResponse<String> bad = send("POST", "/orders", "{\"orderId\":\"h 2\",\"customer\":\"cy\",\"totalCents\":1}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"error\":\"bad_request\"");
        assertThat(send("POST", "/orders", "{\"orderId\":\"h-3\",\"customer\":\"cy\",\"totalCents\":1}").statusCode()).isEqualTo(201);
        assertThat(send("POST", "/orders", "{\"orderId\":\"h-3\",\"customer\":\"dee\",\"totalCents\":1}").statusCode()).isEqualTo(409);
        assertThat(send("POST", "/orders/nope/ship", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/orders/nope", null).statusCode()).isEqualTo(404);
    }

    @Test
    void actuator_reports_the_store_health_and_command_metrics() throws Exception {
        send("POST", "/orders", "{\"orderId\":\"h-4\",\"customer\":\"eve\",\"totalCents\":5}");
        HttpResponse<String> health = send("GET", "/actuator/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"facta\"").contains("\"status\":\"UP\"").contains("sqlite");
        HttpResponse<String> metrics = send("GET", "/actuator/metrics/facta.commands", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("facta.commands");
    }
}

package dev.facta.examples.oms.ops;

import dev.facta.examples.oms.OmsServer;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.app.OrderView;
import dev.facta.examples.oms.app.PaymentDetails;
import dev.facta.examples.oms.app.PlaceOrderRequest;
import dev.facta.examples.oms.app.RequestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Health probes, the Prometheus endpoint with the saga counters and request timers, and the JSON request log. */
class OpsEndpointsTest {
    @TempDir
    static Path dir;
    static OmsServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = OmsServer.start(OmsConfig.builder("sqlite:" + dir.resolve("oms.db")).paymentTimeout(Duration.ofSeconds(1))
                        .pollInterval(Duration.ofMillis(50)).build(),
                new OmsServer.Settings("127.0.0.1", 0, 0, true, Duration.ofMillis(200), Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void livenessAndReadiness() {
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEqualTo("{\"status\":\"up\"}");
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\":\"up\"").contains("\"store\":\"up\"").contains("\"sagas\":\"up\"")
                .contains("\"projections\":\"up\"");
    }

    @Test
    void sagaCountersMoveWithCommittedOutcomes() {
        String metrics = get("/metrics").body();
        double started = value(metrics, "oms_saga_started_total", "");
        double completed = value(metrics, "oms_saga_completed_total", "");
        double declined = value(metrics, "oms_saga_compensated_total", "reason=\"payment_declined\"");
        double outOfStock = value(metrics, "oms_saga_compensated_total", "reason=\"out_of_stock\"");
        assertThat(value(metrics, "oms_saga_failed_total", "saga=\"checkout\"")).isZero();

        String sku = "SKU_" + UUID.randomUUID().toString().substring(0, 8);
        server.app().restock(sku, 3, RequestContext.of(UUID.randomUUID().toString()));
        OrderView ok = place(sku, 1, "tok_visa");
        OrderView no = place(sku, 1, "tok_decline");
        OrderView shortOne = place(sku, 50, "tok_visa");
        assertThat(server.app().awaitTerminal(ok.orderId(), Duration.ofSeconds(30)).status()).isEqualTo(OrderView.Status.CONFIRMED);
        assertThat(server.app().awaitTerminal(no.orderId(), Duration.ofSeconds(30)).status()).isEqualTo(OrderView.Status.CANCELLED);
        assertThat(server.app().awaitTerminal(shortOne.orderId(), Duration.ofSeconds(30)).status()).isEqualTo(OrderView.Status.CANCELLED);

        // the counters follow the committed log, so they may trail the read model by a moment
        long head = server.app().eventStore().headPosition();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.sagaMetrics().position() <= head && System.nanoTime() < deadline) sleep(10);
        metrics = get("/metrics").body();
        assertThat(value(metrics, "oms_saga_started_total", "")).isEqualTo(started + 3);
        assertThat(value(metrics, "oms_saga_completed_total", "")).isEqualTo(completed + 1);
        assertThat(value(metrics, "oms_saga_compensated_total", "reason=\"payment_declined\"")).isEqualTo(declined + 1);
        assertThat(value(metrics, "oms_saga_compensated_total", "reason=\"out_of_stock\"")).isEqualTo(outOfStock + 1);
        assertThat(value(metrics, "oms_saga_failed_total", "saga=\"checkout\"")).isZero();
        assertThat(value(metrics, "oms_order_events_total", "type=\"OrderPlaced\"")).isGreaterThanOrEqualTo(3);
        assertThat(metrics).contains("oms_saga_active{saga=\"checkout\"}");
    }

    @Test
    void requestTimersCommandMetricsAndProjectionLagAreExposed() {
        get("/stock/SKU_M");
        get("/orders/nope");
        HttpResponse<String> scrape = get("/metrics");
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        String metrics = scrape.body();
        assertThat(metrics).contains("oms_http_requests_seconds_bucket{")
                .contains("route=\"/stock/{sku}\"")
                .contains("route=\"/orders/{id}\"")
                .contains("status=\"404\"")
                .contains("facta_projection_lag_events")
                .contains("jvm_memory_used_bytes");
        // ids never become series
        assertThat(metrics).doesNotContain("route=\"/orders/nope\"");
    }

    @Test
    void everyRequestLogLineIsJsonWithTheCorrelationId() throws Exception {
        Logger root = Logger.getLogger("");
        Handler[] before = root.getHandlers();
        Level level = root.getLevel();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            JsonLogging.install(new PrintStream(out, true, StandardCharsets.UTF_8), Level.INFO);
            String id = "log-" + UUID.randomUUID();
            HttpRequest r = HttpRequest.newBuilder(URI.create(server.httpUrl() + "/orders/nope")).header("X-Correlation-Id", id).build();
            assertThat(http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!out.toString(StandardCharsets.UTF_8).contains(id) && System.nanoTime() < deadline) sleep(10);
            String line = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(id)).findFirst().orElseThrow();
            assertThat(line).startsWith("{\"time\":\"").contains("\"level\":\"INFO\"")
                    .contains("\"message\":\"GET /orders/nope -> 404 in ")
                    .contains("\"correlationId\":\"" + id + "\"").endsWith("}");
        } finally {
            for (Handler h : root.getHandlers()) root.removeHandler(h);
            for (Handler h : before) root.addHandler(h);
            root.setLevel(level);
        }
    }

    private static OrderView place(String sku, int quantity, String token) {
        return server.app().placeOrder(new PlaceOrderRequest(null, "c_ops", "EUR",
                List.of(new PlaceOrderRequest.Line(sku, quantity, new BigDecimal("1.00"))), new PaymentDetails("card", token)),
                RequestContext.of(UUID.randomUUID().toString()));
    }

    /** The value of a sample: the line of {@code name} whose labels contain {@code label}; 0 when absent. */
    static double value(String metrics, String name, String label) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(metrics);
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(label)) return Double.parseDouble(m.group(2));
        }
        return 0;
    }

    private static HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

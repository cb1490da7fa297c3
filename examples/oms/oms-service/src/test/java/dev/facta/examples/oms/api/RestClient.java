package dev.facta.examples.oms.api;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@link OmsClient} over the REST API with the JDK's HTTP client. */
final class RestClient implements OmsClient {
    static final JsonMapper JSON = JsonMapper.builder().enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).build();

    /** A raw answer: status, body and the correlation id header. */
    record Answer(int status, JsonNode body, String correlationId, String text) {
    }

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile String lastCorrelation;

    RestClient(String base) {
        this.base = base;
    }

    /** Sends a request; {@code headers} are name, value pairs. */
    Answer send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i + 1] != null) b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            String corr = r.headers().firstValue("X-Correlation-Id").orElse(null);
            lastCorrelation = corr;
            JsonNode node = null;
            String contentType = r.headers().firstValue("Content-Type").orElse("");
            if (contentType.startsWith("application/json") && !r.body().isEmpty()) node = JSON.readTree(r.body());
            return new Answer(r.statusCode(), node, corr, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode ok(Answer a) {
        if (a.status() >= 200 && a.status() < 300) return a.body();
        String code = a.body() == null ? "" : a.body().path("error").asString("");
        String field = a.body() == null || a.body().path("field").isMissingNode() ? null : a.body().path("field").asString();
        String kind = switch (a.status()) {
            case 400 -> "INVALID";
            case 404 -> "NOT_FOUND";
            case 409 -> code.equals("rule_violation") ? "RULE" : "CONFLICT";
            default -> "HTTP_" + a.status();
        };
        throw new Refused(kind, field, a.text(), a.correlationId());
    }

    static String line(Line l) {
        return "{\"sku\":\"" + l.sku() + "\",\"quantity\":" + l.quantity() + ",\"unitPrice\":" + l.unitPrice().toPlainString() + "}";
    }

    @Override
    public Order create(String key, String correlationId, String orderId, String customerId, List<Line> lines, String token) {
        ObjectNode body = JSON.createObjectNode();
        if (orderId != null) body.put("orderId", orderId);
        body.put("customerId", customerId);
        body.put("currency", "EUR");
        ArrayNode ls = body.putArray("lines");
        for (Line l : lines) ls.addObject().put("sku", l.sku()).put("quantity", l.quantity()).put("unitPrice", l.unitPrice());
        if (token != null) body.putObject("payment").put("method", "card").put("token", token);
        return order(ok(send("POST", "/orders", JSON.writeValueAsString(body), "Idempotency-Key", key, "X-Correlation-Id", correlationId)));
    }

    @Override
    public Order get(String orderId) {
        return order(ok(send("GET", "/orders/" + orderId, null)));
    }

    @Override
    public Order pay(String key, String orderId, String token) {
        return order(ok(send("POST", "/orders/" + orderId + "/pay", "{\"method\":\"card\",\"token\":\"" + token + "\"}", "Idempotency-Key", key)));
    }

    @Override
    public Order cancel(String key, String orderId, String reason) {
        return order(ok(send("POST", "/orders/" + orderId + "/cancel", reason == null ? null : "{\"reason\":\"" + reason + "\"}",
                "Idempotency-Key", key)));
    }

    @Override
    public Order refund(String key, String orderId, String reason) {
        return order(ok(send("POST", "/orders/" + orderId + "/refund", reason == null ? null : "{\"reason\":\"" + reason + "\"}",
                "Idempotency-Key", key)));
    }

    @Override
    public List<Entry> timeline(String orderId) {
        JsonNode n = ok(send("GET", "/orders/" + orderId + "/timeline", null));
        List<Entry> out = new ArrayList<>();
        for (JsonNode e : n.get("entries")) {
            out.add(new Entry(e.get("version").asLong(), e.get("type").asString(), text(e, "correlationId"), text(e, "causationId")));
        }
        return out;
    }

    @Override
    public Page ordersOf(String customerId, int limit, String after) {
        String q = "?limit=" + limit + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
        JsonNode n = ok(send("GET", "/customers/" + customerId + "/orders" + q, null));
        List<Order> orders = new ArrayList<>();
        for (JsonNode o : n.get("orders")) orders.add(order(o));
        return new Page(orders, text(n, "next"));
    }

    @Override
    public Stock stock(String sku) {
        return stock(ok(send("GET", "/stock/" + sku, null)));
    }

    @Override
    public Stock restock(String key, String sku, int quantity) {
        return stock(ok(send("POST", "/stock/" + sku, "{\"quantity\":" + quantity + "}", "Idempotency-Key", key)));
    }

    @Override
    public String lastCorrelationId() {
        return lastCorrelation;
    }

    private static Stock stock(JsonNode n) {
        return new Stock(n.get("sku").asString(), n.get("available").asInt(), n.get("reserved").asInt(), n.get("committed").asInt());
    }

    static Order order(JsonNode n) {
        List<Line> lines = new ArrayList<>();
        for (JsonNode l : n.get("lines")) lines.add(new Line(l.get("sku").asString(), l.get("quantity").asInt(), l.get("unitPrice").decimalValue()));
        return new Order(n.get("orderId").asString(), n.get("customerId").asString(), n.get("status").asString(),
                decimal(n, "total"), decimal(n, "refunded"), text(n, "reason"), text(n, "paymentId"), lines);
    }

    private static BigDecimal decimal(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() ? null : v.decimalValue();
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() ? null : v.asString();
    }

    @Override
    public void close() {
        http.close();
    }
}

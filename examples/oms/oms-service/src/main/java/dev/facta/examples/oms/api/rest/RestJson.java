package dev.facta.examples.oms.api.rest;

import dev.facta.examples.oms.api.ApiFailure;
import dev.facta.examples.oms.api.ApiRefusal;
import dev.facta.examples.oms.app.CustomerOrders;
import dev.facta.examples.oms.app.OrderView;
import dev.facta.examples.oms.app.PaymentDetails;
import dev.facta.examples.oms.app.PlaceOrderRequest;
import dev.facta.examples.oms.app.StockLevel;
import dev.facta.examples.oms.app.TimelineEntry;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The REST API's JSON: requests read strictly (unknown fields, wrong types and missing fields are refused naming
 * the field, nothing reaches the use cases), responses written from the use cases' records. Money is a JSON
 * number read and written exactly ({@code 39.90} stays {@code 39.90}).
 */
final class RestJson {
    /** The largest request body read. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private final JsonMapper json;

    RestJson() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxDocumentLength(MAX_BODY_BYTES)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.json = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }

    JsonMapper mapper() {
        return json;
    }

    // ---- requests

    /** The body as a JSON object; an empty body is an empty object when {@code optional}. */
    ObjectNode object(byte[] body, boolean optional) {
        if (body == null || body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            if (optional) return json.createObjectNode();
            throw refuse("body", "a JSON object is required as the request body");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JacksonException e) {
            throw refuse("body", "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode o)) throw refuse("body", "the body must be a JSON object");
        return o;
    }

    PlaceOrderRequest placeOrder(ObjectNode body) {
        only(body, "", Set.of("orderId", "customerId", "currency", "lines", "payment"));
        String orderId = optionalString(body, "orderId");
        String customerId = requiredString(body, "customerId");
        String currency = requiredString(body, "currency");
        JsonNode linesNode = body.get("lines");
        if (linesNode == null || linesNode.isNull()) throw refuse("lines", "lines is required: at least one line");
        if (!linesNode.isArray()) throw refuse("lines", "lines must be an array");
        List<PlaceOrderRequest.Line> lines = new ArrayList<>();
        for (int i = 0; i < linesNode.size(); i++) {
            String at = "lines[" + i + "]";
            if (!(linesNode.get(i) instanceof ObjectNode line)) throw refuse(at, at + " must be an object");
            only(line, at + ".", Set.of("sku", "quantity", "unitPrice"));
            lines.add(new PlaceOrderRequest.Line(requiredString(line, "sku", at + ".sku"),
                    requiredInt(line, "quantity", at + ".quantity"), requiredMoney(line, "unitPrice", at + ".unitPrice")));
        }
        JsonNode payment = body.get("payment");
        PaymentDetails details = payment == null || payment.isNull() ? null : payment(payment, "payment.");
        return new PlaceOrderRequest(orderId, customerId, currency, lines, details);
    }

    /** {@code {"method": "card", "token": "tok_visa"}}, at the top level (POST /orders/{id}/pay) or under {@code payment}. */
    PaymentDetails payment(JsonNode node, String prefix) {
        if (!(node instanceof ObjectNode o)) throw refuse(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1), "a payment must be an object");
        only(o, prefix, Set.of("method", "token"));
        return new PaymentDetails(optionalString(o, "method", prefix + "method"), requiredString(o, "token", prefix + "token"));
    }

    /** The reason named in the body, or null: the use cases put in their default reason. */
    String reason(ObjectNode body) {
        only(body, "", Set.of("reason"));
        return optionalString(body, "reason");
    }

    int restockQuantity(ObjectNode body) {
        only(body, "", Set.of("quantity"));
        return requiredInt(body, "quantity", "quantity");
    }

    private static void only(ObjectNode node, String prefix, Set<String> allowed) {
        for (String name : node.propertyNames()) {
            if (!allowed.contains(name)) throw refuse(prefix + name, "unknown field '" + prefix + name + "'; expected one of " + new java.util.TreeSet<>(allowed));
        }
    }

    private static String requiredString(ObjectNode node, String name) {
        return requiredString(node, name, name);
    }

    private static String requiredString(ObjectNode node, String name, String field) {
        String s = optionalString(node, name, field);
        if (s == null) throw refuse(field, field + " is required");
        return s;
    }

    private static String optionalString(ObjectNode node, String name) {
        return optionalString(node, name, name);
    }

    private static String optionalString(ObjectNode node, String name, String field) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isString()) throw refuse(field, field + " must be a string");
        return v.stringValue();
    }

    private static int requiredInt(ObjectNode node, String name, String field) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) throw refuse(field, field + " is required");
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw refuse(field, field + " must be a whole number");
        return v.intValue();
    }

    /** A number ({@code 19.90}) or a decimal string ({@code "19.90"}). */
    private static BigDecimal requiredMoney(ObjectNode node, String name, String field) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) throw refuse(field, field + " is required");
        if (v.isNumber()) return v.decimalValue();
        if (v.isString()) {
            try {
                return new BigDecimal(v.stringValue().strip());
            } catch (NumberFormatException e) {
                throw refuse(field, field + " is not a decimal number: '" + v.stringValue() + "'");
            }
        }
        throw refuse(field, field + " must be a decimal number");
    }

    static ApiRefusal refuse(String field, String message) {
        return new ApiRefusal(ApiFailure.invalid(field, message));
    }

    // ---- responses

    ObjectNode order(OrderView o) {
        ObjectNode n = json.createObjectNode();
        n.put("orderId", o.orderId());
        n.put("customerId", o.customerId());
        n.put("status", o.status() == null ? null : o.status().name());
        n.put("currency", o.currency());
        ArrayNode lines = n.putArray("lines");
        if (o.lines() != null) {
            for (PlaceOrderRequest.Line l : o.lines()) {
                ObjectNode line = lines.addObject();
                line.put("sku", l.sku());
                line.put("quantity", l.quantity());
                line.put("unitPrice", l.unitPrice());
            }
        }
        n.put("total", o.total());
        n.put("paymentId", o.paymentId());
        n.put("refunded", o.refunded());
        n.put("reason", o.reason());
        n.put("version", o.version());
        n.put("createdAt", o.createdAt() == null ? null : o.createdAt().toString());
        n.put("updatedAt", o.updatedAt() == null ? null : o.updatedAt().toString());
        return n;
    }

    ObjectNode timeline(String orderId, List<TimelineEntry> entries) {
        ObjectNode n = json.createObjectNode();
        n.put("orderId", orderId);
        ArrayNode list = n.putArray("entries");
        for (TimelineEntry e : entries) {
            ObjectNode entry = list.addObject();
            entry.put("version", e.version());
            entry.put("position", e.position());
            entry.put("type", e.type());
            entry.put("at", e.at() == null ? null : e.at().toString());
            entry.set("data", data(e.data()));
            entry.put("correlationId", e.correlationId());
            entry.put("causationId", e.causationId());
        }
        return n;
    }

    /** The event's JSON as JSON (not a string inside JSON); a payload that is not JSON stays a string. */
    private JsonNode data(String data) {
        if (data == null) return json.nullNode();
        try {
            return json.readTree(data);
        } catch (JacksonException e) {
            return json.getNodeFactory().stringNode(data);
        }
    }

    ObjectNode customerOrders(CustomerOrders page) {
        ObjectNode n = json.createObjectNode();
        n.put("customerId", page.customerId());
        ArrayNode list = n.putArray("orders");
        for (OrderView o : page.orders()) list.add(order(o));
        n.put("next", page.next());
        return n;
    }

    ObjectNode stock(StockLevel s) {
        ObjectNode n = json.createObjectNode();
        n.put("sku", s.sku());
        n.put("available", s.available());
        n.put("reserved", s.reserved());
        n.put("committed", s.committed());
        return n;
    }

    ObjectNode error(ApiFailure failure) {
        ObjectNode n = json.createObjectNode();
        n.put("error", failure.code());
        n.put("message", failure.message());
        if (failure.field() != null) n.put("field", failure.field());
        return n;
    }

    byte[] bytes(JsonNode node) {
        return json.writeValueAsBytes(node);
    }
}

package dev.facta.examples.oms.api;

import dev.facta.examples.oms.OmsServer;
import dev.facta.examples.oms.api.grpc.v1.CreateOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.GetOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.OrderLine;
import dev.facta.examples.oms.api.grpc.v1.RestockRequest;
import dev.facta.examples.oms.app.OmsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How both APIs refuse bad calls: the status, the error code, the named field, the correlation id echoed, and that a
 * refused call changed nothing.
 */
class ApiErrorMappingTest {
    @TempDir
    static Path dir;
    static OmsServer server;
    static RestClient rest;
    static GrpcClient grpc;

    @BeforeAll
    static void start() {
        server = OmsServer.start(OmsConfig.builder("sqlite:" + dir.resolve("oms.db")).paymentTimeout(Duration.ofSeconds(1)).build(),
                new OmsServer.Settings("127.0.0.1", 0, 0, false, Duration.ofSeconds(1), Duration.ofSeconds(5)));
        rest = new RestClient(server.httpUrl());
        grpc = new GrpcClient(server.grpcTarget());
    }

    @AfterAll
    static void stop() {
        if (rest != null) rest.close();
        if (grpc != null) grpc.close();
        if (server != null) server.close();
    }

    private static final String ORDER = "{\"customerId\":\"c1\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"SKU_E\",\"quantity\":1,\"unitPrice\":2.50}]}";

    // ---------------------------------------------------------------- REST

    @Test
    void restMutationWithoutIdempotencyKeyIs400AndChangesNothing() {
        String customer = "cust_" + UUID.randomUUID().toString().substring(0, 8);
        RestClient.Answer a = rest.send("POST", "/orders", ORDER.replace("c1", customer));
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body().get("error").asString()).isEqualTo("bad_request");
        assertThat(a.body().get("field").asString()).isEqualTo("Idempotency-Key");
        assertThat(a.body().get("message").asString()).contains("Idempotency-Key");
        assertThat(rest.ordersOf(customer, 10, null).orders()).isEmpty();

        for (String path : List.of("/orders/x1/pay", "/orders/x1/cancel", "/orders/x1/refund", "/stock/SKU_E")) {
            RestClient.Answer m = rest.send("POST", path, "{}");
            assertThat(m.status()).as(path).isEqualTo(400);
            assertThat(m.body().get("field").asString()).as(path).isEqualTo("Idempotency-Key");
        }
        assertThat(rest.stock("SKU_E").available()).isZero();
    }

    @Test
    void restMalformedBodiesAre400NamingTheField() {
        expect400(rest.send("POST", "/orders", "{not json", "Idempotency-Key", key()), "body");
        expect400(rest.send("POST", "/orders", "[1,2]", "Idempotency-Key", key()), "body");
        expect400(rest.send("POST", "/orders", ORDER.replace("\"customerId\"", "\"customer\""), "Idempotency-Key", key()), "customer");
        expect400(rest.send("POST", "/orders", ORDER.replace("\"quantity\":1", "\"quantity\":\"one\""), "Idempotency-Key", key()), "lines[0].quantity");
        expect400(rest.send("POST", "/orders", ORDER.replace("2.50", "\"abc\""), "Idempotency-Key", key()), "lines[0].unitPrice");
        // well-formed JSON the use case refuses: the field comes from the domain's validation
        expect400(rest.send("POST", "/orders", ORDER.replace("\"quantity\":1", "\"quantity\":0"), "Idempotency-Key", key()), "lines[0].quantity");
        expect400(rest.send("POST", "/orders", ORDER.replace("EUR", "euro"), "Idempotency-Key", key()), "currency");
        expect400(rest.send("POST", "/stock/SKU_E", "{\"quantity\":-3}", "Idempotency-Key", key()), "quantity");
        expect400(rest.send("POST", "/orders", ORDER, "Idempotency-Key", "k".repeat(201)), "Idempotency-Key");
        expect400(rest.send("GET", "/customers/c1/orders?limit=0", null), "limit");
        expect400(rest.send("GET", "/customers/c1/orders?limit=ten", null), "limit");
        expect400(rest.send("POST", "/orders/bad%20id/pay", "{\"token\":\"tok_visa\"}", "Idempotency-Key", key()), "orderId");
        expect400(rest.send("POST", "/orders/o1/pay", "{\"tok\":\"tok_visa\"}", "Idempotency-Key", key()), "tok");
    }

    @Test
    void restUnknownOrderIs404AndRuleViolationIs409() {
        RestClient.Answer missing = rest.send("GET", "/orders/nope-" + UUID.randomUUID(), null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error").asString()).isEqualTo("order_not_found");
        assertThat(rest.send("GET", "/orders/nope/timeline", null).status()).isEqualTo(404);
        assertThat(rest.send("POST", "/orders/nope/pay", "{\"token\":\"tok_visa\"}", "Idempotency-Key", key()).status()).isEqualTo(404);

        rest.restock(key(), "SKU_R", 1);
        OmsClient.Order o = rest.create(key(), null, null, "c_rule", List.of(new OmsClient.Line("SKU_R", 1, new java.math.BigDecimal("1.00"))), null);
        RestClient.Answer refund = rest.send("POST", "/orders/" + o.orderId() + "/refund", null, "Idempotency-Key", key());
        assertThat(refund.status()).isEqualTo(409);
        assertThat(refund.body().get("error").asString()).isEqualTo("rule_violation");
        rest.cancel(key(), o.orderId(), null);
    }

    @Test
    void restRoutingErrorsUseTheErrorShape() {
        RestClient.Answer none = rest.send("GET", "/nowhere", null);
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.body().get("error").asString()).isEqualTo("not_found");
        RestClient.Answer method = rest.send("DELETE", "/orders/o1", null);
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.body().get("error").asString()).isEqualTo("method_not_allowed");
        RestClient.Answer big = rest.send("POST", "/orders", "{\"customerId\":\"" + "x".repeat(1 << 21) + "\"}", "Idempotency-Key", key());
        assertThat(big.status()).isEqualTo(413);
    }

    @Test
    void restCorrelationIdIsEchoedOrMade() {
        RestClient.Answer given = rest.send("GET", "/stock/SKU_C", null, "X-Correlation-Id", "trace-42");
        assertThat(given.correlationId()).isEqualTo("trace-42");
        RestClient.Answer made = rest.send("GET", "/stock/SKU_C", null);
        assertThat(made.correlationId()).hasSize(36);
        RestClient.Answer onError = rest.send("GET", "/orders/nope", null, "X-Correlation-Id", "trace-43");
        assertThat(onError.status()).isEqualTo(404);
        assertThat(onError.correlationId()).isEqualTo("trace-43");
        RestClient.Answer tooLong = rest.send("GET", "/stock/SKU_C", null, "X-Correlation-Id", "t".repeat(201));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body().get("field").asString()).isEqualTo("X-Correlation-Id");
    }

    @Test
    void restCreateAnswers201WithLocation() {
        rest.restock(key(), "SKU_L", 1);
        RestClient.Answer a = rest.send("POST", "/orders", ORDER.replace("SKU_E", "SKU_L"), "Idempotency-Key", key());
        assertThat(a.status()).isEqualTo(201);
        String id = a.body().get("orderId").asString();
        assertThat(a.text()).contains("\"total\":2.50");
        RestClient.Answer cancel = rest.send("POST", "/orders/" + id + "/cancel", "{\"reason\":\"test\"}", "Idempotency-Key", key());
        assertThat(cancel.status()).isEqualTo(202);
    }

    // ---------------------------------------------------------------- gRPC

    @Test
    void grpcMutationWithoutIdempotencyKeyIsInvalidArgument() {
        assertThatThrownBy(() -> grpc.call(null, null, s -> s.restock(RestockRequest.newBuilder().setSku("SKU_G").setQuantity(5).build())))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> {
                    assertThat(r.kind).isEqualTo("INVALID");
                    assertThat(r.field).isEqualTo("idempotency-key");
                    assertThat(r.getMessage()).contains("idempotency-key");
                });
        assertThat(grpc.stock("SKU_G").available()).isZero();
    }

    @Test
    void grpcBadFieldsAreInvalidArgumentNamingTheField() {
        CreateOrderRequest zero = CreateOrderRequest.newBuilder().setCustomerId("c1").setCurrency("EUR")
                .addLines(OrderLine.newBuilder().setSku("SKU_G").setQuantity(0).setUnitPrice("1.00")).build();
        assertThatThrownBy(() -> grpc.call(key(), null, s -> s.createOrder(zero)))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> {
                    assertThat(r.kind).isEqualTo("INVALID");
                    assertThat(r.field).isEqualTo("lines[0].quantity");
                });
        CreateOrderRequest price = zero.toBuilder().setLines(0, OrderLine.newBuilder().setSku("SKU_G").setQuantity(1).setUnitPrice("free")).build();
        assertThatThrownBy(() -> grpc.call(key(), null, s -> s.createOrder(price)))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.field).isEqualTo("lines[0].unit_price"));
        CreateOrderRequest noLines = CreateOrderRequest.newBuilder().setCustomerId("c1").setCurrency("EUR").build();
        assertThatThrownBy(() -> grpc.call(key(), null, s -> s.createOrder(noLines)))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.field).isEqualTo("lines"));
        assertThatThrownBy(() -> grpc.ordersOf("c1", 500, null))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.field).isEqualTo("limit"));
    }

    @Test
    void grpcUnknownOrderIsNotFoundAndRuleViolationIsFailedPrecondition() {
        assertThatThrownBy(() -> grpc.call(null, null, s -> s.getOrder(GetOrderRequest.newBuilder().setOrderId("nope").build())))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("NOT_FOUND"));
        assertThatThrownBy(() -> grpc.timeline("nope"))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("NOT_FOUND"));
        grpc.restock(key(), "SKU_F", 1);
        OmsClient.Order o = grpc.create(key(), null, null, "c_rule_g", List.of(new OmsClient.Line("SKU_F", 1, new java.math.BigDecimal("1.00"))), null);
        assertThatThrownBy(() -> grpc.refund(key(), o.orderId(), null))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("RULE"));
        grpc.cancel(key(), o.orderId(), null);
    }

    @Test
    void grpcCorrelationIdIsEchoedOnSuccessAndFailure() {
        grpc.call(null, "trace-g1", s -> s.getStock(dev.facta.examples.oms.api.grpc.v1.GetStockRequest.newBuilder().setSku("SKU_G").build()));
        assertThat(grpc.lastCorrelationId()).isEqualTo("trace-g1");
        assertThatThrownBy(() -> grpc.call(null, "trace-g2", s -> s.getOrder(GetOrderRequest.newBuilder().setOrderId("nope").build())))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.correlationId).isEqualTo("trace-g2"));
        grpc.call(null, null, s -> s.getStock(dev.facta.examples.oms.api.grpc.v1.GetStockRequest.newBuilder().setSku("SKU_G").build()));
        assertThat(grpc.lastCorrelationId()).hasSize(36);
    }

    private static void expect400(RestClient.Answer a, String field) {
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.body().get("error").asString()).isEqualTo("bad_request");
        assertThat(a.body().get("field").asString()).as(a.text()).isEqualTo(field);
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }
}

package dev.facta.examples.oms.api;

import dev.facta.examples.oms.OmsServer;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.orders.Checkout;
import dev.facta.examples.oms.orders.Returns;
import dev.facta.saga.SagaStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every flow of the order management service through a real API on loopback sockets, against a running
 * {@link OmsServer}: the checkout (reserve, pay, confirm), each failure and its compensation, cancel and refund, and
 * idempotent repeats; each checks the order's final state, the stock, the timeline, and that no process manager is
 * left active or with commands waiting. Subclasses choose the store and the API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndFlows {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final BigDecimal PRICE = new BigDecimal("9.90");

    OmsServer server;
    OmsClient client;

    /** The store URL of this run (a fresh database). */
    abstract String storeUrl();

    abstract OmsClient connect(OmsServer server);

    /** Releases the store (drops a schema); after the server closed. */
    void dropStore() {
    }

    @BeforeAll
    void startServer() {
        OmsConfig config = OmsConfig.builder(storeUrl()).paymentTimeout(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50)).build();
        server = OmsServer.start(config, new OmsServer.Settings("127.0.0.1", 0, 0, true, Duration.ofMillis(200), Duration.ofSeconds(5)));
        client = connect(server);
    }

    @AfterAll
    void stopServer() {
        if (client != null) client.close();
        if (server != null) server.close();
        dropStore();
    }

    /** The orders the running test placed. */
    final List<String> placed = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void noProcessManagerStuck() {
        // whatever the flow, every order it placed ends terminal with its process managers ended, and nothing is parked
        try {
            for (String id : placed) {
                OmsClient.Order o = awaitTerminal(id);
                assertThat(o.terminal()).as("order " + id + " is " + o.status()).isTrue();
                assertThat(server.app().sagaRuntime().instance(Checkout.NAME, id)).as("checkout of " + id)
                        .hasValueSatisfying(i -> assertThat(i.status()).isEqualTo(SagaStatus.ENDED));
            }
            for (String pm : List.of(Checkout.NAME, Returns.NAME)) {
                assertThat(server.app().sagaRuntime().failedCommands(pm, 100)).as("parked commands of " + pm).isEmpty();
            }
        } finally {
            placed.clear();
        }
    }

    OmsClient.Order place(String key, String correlationId, String orderId, String customerId, List<OmsClient.Line> lines, String token) {
        OmsClient.Order o = client.create(key, correlationId, orderId, customerId, lines, token);
        placed.add(o.orderId());
        return o;
    }

    // ------------------------------------------------------------------ flows

    @Test
    void paidAtCheckoutEndsConfirmedWithStockCommitted() {
        String sku = sku();
        client.restock(key(), sku, 10);
        String correlation = "corr-" + UUID.randomUUID();
        OmsClient.Order placed = place(key(), correlation, null, customer(), List.of(line(sku, 2)), "tok_visa");
        assertThat(client.lastCorrelationId()).isEqualTo(correlation);
        assertThat(placed.status()).isIn("CREATED", "RESERVED", "PAID", "CONFIRMED");
        assertThat(placed.total()).isEqualByComparingTo("19.80");

        OmsClient.Order done = awaitTerminal(placed.orderId());
        assertThat(done.status()).isEqualTo("CONFIRMED");
        assertThat(done.paymentId()).isNotBlank();
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 8, 0, 2));

        List<OmsClient.Entry> timeline = client.timeline(placed.orderId());
        assertThat(timeline).extracting(OmsClient.Entry::type)
                .containsSubsequence("OrderPlaced", "OrderReserved", "OrderPaid", "OrderConfirmed");
        assertThat(timeline).extracting(OmsClient.Entry::version).isSorted();
        // the client's correlation id reaches every event the request caused, through the saga and the other contexts
        assertThat(timeline).extracting(OmsClient.Entry::correlationId).containsOnly(correlation);
        assertThat(timeline.subList(1, timeline.size())).extracting(OmsClient.Entry::causationId).doesNotContainNull();
    }

    @Test
    void stockShortCancelsAndReleasesTheReservedLines() {
        String plenty = sku();
        String scarce = sku();
        client.restock(key(), plenty, 10);
        client.restock(key(), scarce, 1);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(plenty, 3), line(scarce, 2)), "tok_visa");

        OmsClient.Order done = awaitTerminal(placed.orderId());
        assertThat(done.status()).isEqualTo("CANCELLED");
        assertThat(done.reason()).isEqualTo("out_of_stock");
        assertThat(client.stock(plenty)).isEqualTo(new OmsClient.Stock(plenty, 10, 0, 0));
        assertThat(client.stock(scarce)).isEqualTo(new OmsClient.Stock(scarce, 1, 0, 0));
        assertThat(types(placed.orderId())).contains("OrderPlaced", "OrderCancelled").doesNotContain("OrderReserved", "OrderPaid");
    }

    @Test
    void declinedPaymentCancelsAndReleasesStock() {
        String sku = sku();
        client.restock(key(), sku, 5);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 2)), "tok_decline");

        OmsClient.Order done = awaitTerminal(placed.orderId());
        assertThat(done.status()).isEqualTo("CANCELLED");
        assertThat(done.reason()).isEqualTo("payment_declined");
        assertThat(done.refunded()).isEqualByComparingTo("0");
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 5, 0, 0));
        assertThat(types(placed.orderId())).containsSubsequence("OrderPlaced", "OrderReserved", "OrderCancelled").doesNotContain("OrderPaid");
    }

    @Test
    void paymentWithoutAnswerTimesOutCancelsAndReleasesStock() {
        String sku = sku();
        client.restock(key(), sku, 5);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 1)), "tok_timeout");

        OmsClient.Order done = awaitTerminal(placed.orderId());
        assertThat(done.status()).isEqualTo("CANCELLED");
        assertThat(done.reason()).isEqualTo("payment_timeout");
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 5, 0, 0));
        assertThat(types(placed.orderId())).doesNotContain("OrderPaid", "OrderConfirmed");
    }

    @Test
    void payLaterConfirms() {
        String sku = sku();
        client.restock(key(), sku, 4);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 4)), null);
        OmsClient.Order reserved = awaitStatus(placed.orderId(), "RESERVED");
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 0, 4, 0));
        assertThat(reserved.paymentId()).isNull();

        client.pay(key(), placed.orderId(), "tok_visa");
        OmsClient.Order done = awaitTerminal(placed.orderId());
        assertThat(done.status()).isEqualTo("CONFIRMED");
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 0, 0, 4));
        assertThat(types(placed.orderId())).containsSubsequence("OrderPlaced", "OrderReserved", "OrderPaymentRequested", "OrderPaid", "OrderConfirmed");
    }

    @Test
    void cancelBeforePaymentReleasesStock() {
        String sku = sku();
        client.restock(key(), sku, 3);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 2)), null);
        awaitStatus(placed.orderId(), "RESERVED");

        client.cancel(key(), placed.orderId(), "changed_my_mind");
        OmsClient.Order done = awaitTerminal(placed.orderId());
        assertThat(done.status()).isEqualTo("CANCELLED");
        assertThat(done.reason()).isEqualTo("changed_my_mind");
        assertThat(done.refunded()).isEqualByComparingTo("0");
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 3, 0, 0));
    }

    @Test
    void cancelAfterPaymentRefundsAndReturnsStock() {
        String sku = sku();
        client.restock(key(), sku, 6);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 2)), "tok_visa");
        assertThat(awaitTerminal(placed.orderId()).status()).isEqualTo("CONFIRMED");

        client.cancel(key(), placed.orderId(), null);
        OmsClient.Order done = awaitTerminal(placed.orderId(), "CANCELLED");
        assertThat(done.status()).isEqualTo("CANCELLED");
        assertThat(done.refunded()).isEqualByComparingTo("19.80");
        assertThat(done.reason()).isEqualTo("customer_request");
        // the sold stock comes back
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 6, 0, 0));
        assertThat(types(placed.orderId())).containsSubsequence("OrderConfirmed", "OrderCancellationRequested", "OrderCancelled");

        assertThatThrownBy(() -> client.refund(key(), placed.orderId(), null))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("RULE"));
        assertThatThrownBy(() -> client.cancel(key(), placed.orderId(), null))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("RULE"));
    }

    @Test
    void refundOfConfirmedOrderKeepsStockSold() {
        String sku = sku();
        client.restock(key(), sku, 5);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 1)), "tok_visa");
        assertThat(awaitTerminal(placed.orderId()).status()).isEqualTo("CONFIRMED");

        client.refund(key(), placed.orderId(), "damaged");
        OmsClient.Order done = awaitTerminal(placed.orderId(), "REFUNDED");
        assertThat(done.status()).isEqualTo("REFUNDED");
        assertThat(done.refunded()).isEqualByComparingTo(placed.total());
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 4, 0, 1));
        assertThat(types(placed.orderId())).containsSubsequence("OrderConfirmed", "OrderRefundRequested", "OrderRefunded");

        assertThatThrownBy(() -> client.refund(key(), placed.orderId(), null))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("RULE"));
    }

    @Test
    void refundBeforeConfirmationIsARuleViolationAndChangesNothing() {
        String sku = sku();
        client.restock(key(), sku, 2);
        OmsClient.Order placed = place(key(), null, null, customer(), List.of(line(sku, 1)), null);
        awaitStatus(placed.orderId(), "RESERVED");
        int events = client.timeline(placed.orderId()).size();

        assertThatThrownBy(() -> client.refund(key(), placed.orderId(), null))
                .isInstanceOfSatisfying(OmsClient.Refused.class, r -> assertThat(r.kind).isEqualTo("RULE"));
        assertThat(client.timeline(placed.orderId())).hasSize(events);
        assertThat(client.get(placed.orderId()).status()).isEqualTo("RESERVED");
        client.cancel(key(), placed.orderId(), null);
        assertThat(awaitTerminal(placed.orderId()).status()).isEqualTo("CANCELLED");
    }

    @Test
    void repeatedRequestsWithTheSameKeyActOnce() {
        String sku = sku();
        String restockKey = key();
        client.restock(restockKey, sku, 5);
        assertThat(client.restock(restockKey, sku, 5).available()).isEqualTo(5);
        assertThat(client.stock(sku).available()).isEqualTo(5);

        String placeKey = key();
        String customer = customer();
        OmsClient.Order first = place(placeKey, null, null, customer, List.of(line(sku, 2)), null);
        OmsClient.Order again = place(placeKey, null, null, customer, List.of(line(sku, 2)), null);
        assertThat(again.orderId()).isEqualTo(first.orderId());
        awaitStatus(first.orderId(), "RESERVED");

        String payKey = key();
        client.pay(payKey, first.orderId(), "tok_visa");
        client.pay(payKey, first.orderId(), "tok_visa");
        assertThat(awaitTerminal(first.orderId()).status()).isEqualTo("CONFIRMED");
        client.pay(payKey, first.orderId(), "tok_visa");

        List<String> types = types(first.orderId());
        assertThat(types.stream().filter("OrderPlaced"::equals)).hasSize(1);
        assertThat(types.stream().filter("OrderPaymentRequested"::equals)).hasSize(1);
        assertThat(types.stream().filter("OrderPaid"::equals)).hasSize(1);
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 3, 0, 2));
        assertThat(client.ordersOf(customer, 10, null).orders()).extracting(OmsClient.Order::orderId).containsExactly(first.orderId());
    }

    @Test
    void customerOrdersArePagedNewestFirst() {
        String sku = sku();
        client.restock(key(), sku, 10);
        String customer = customer();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(place(key(), null, null, customer, List.of(line(sku, 1)), null).orderId());
        for (String id : ids) awaitStatus(id, "RESERVED");
        long deadline = System.nanoTime() + WAIT.toNanos();
        OmsClient.Page first = client.ordersOf(customer, 2, null);
        while (first.orders().size() < 2 && System.nanoTime() < deadline) {
            sleep(20);
            first = client.ordersOf(customer, 2, null);
        }
        assertThat(first.orders()).extracting(OmsClient.Order::orderId).containsExactly(ids.get(2), ids.get(1));
        assertThat(first.next()).isNotNull();
        OmsClient.Page second = client.ordersOf(customer, 2, first.next());
        assertThat(second.orders()).extracting(OmsClient.Order::orderId).containsExactly(ids.get(0));
        assertThat(second.next()).isNull();
        for (String id : ids) client.cancel(key(), id, null);
        for (String id : ids) assertThat(awaitTerminal(id).status()).isEqualTo("CANCELLED");
        assertThat(client.stock(sku)).isEqualTo(new OmsClient.Stock(sku, 10, 0, 0));
    }

    // ------------------------------------------------------------------ helpers

    OmsClient.Order awaitTerminal(String orderId) {
        return await(orderId, OmsClient.Order::terminal);
    }

    OmsClient.Order awaitTerminal(String orderId, String status) {
        return await(orderId, o -> o.status().equals(status));
    }

    /** Waits for a status the order rests in while its checkout waits (RESERVED until paid). */
    OmsClient.Order awaitStatus(String orderId, String status) {
        return await(orderId, o -> o.status().equals(status), false);
    }

    OmsClient.Order await(String orderId, java.util.function.Predicate<OmsClient.Order> done) {
        return await(orderId, done, true);
    }

    /** Polls the API until the order matches (and its process managers are idle, when asked); fails after {@link #WAIT}. */
    OmsClient.Order await(String orderId, java.util.function.Predicate<OmsClient.Order> done, boolean idle) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        OmsClient.Order o = client.get(orderId);
        while (!(done.test(o) && (!idle || server.app().sagasIdle(orderId)))) {
            assertThat(System.nanoTime()).as("order " + orderId + " still " + o.status() + " after " + WAIT).isLessThan(deadline);
            sleep(20);
            o = client.get(orderId);
        }
        return o;
    }

    List<String> types(String orderId) {
        return client.timeline(orderId).stream().map(OmsClient.Entry::type).toList();
    }

    static OmsClient.Line line(String sku, int quantity) {
        return new OmsClient.Line(sku, quantity, PRICE);
    }

    static String sku() {
        return "SKU_" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String customer() {
        return "cust-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String key() {
        return UUID.randomUUID().toString();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.facta.examples.oms.app;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.examples.oms.orders.Checkout;
import dev.facta.examples.oms.orders.Returns;
import dev.facta.examples.oms.payment.Payment;
import dev.facta.examples.oms.payment.Payments;
import dev.facta.saga.SagaInstance;
import dev.facta.saga.SagaRuntime;
import dev.facta.saga.SagaStatus;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every flow of the service in-process through {@link OrderManagement}, on a real store: the final order
 * state, the stock levels, the timeline and that no process manager instance is left active or with
 * commands waiting or failed. Each test uses its own SKUs and customers, so one application serves them all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OmsFlowsContract {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final BigDecimal PRICE = new BigDecimal("12.50");

    OmsApplication app;
    private final AtomicInteger keys = new AtomicInteger();

    /** The store URL of a fresh, empty store. */
    abstract String newStoreUrl();

    /** Drops what {@link #newStoreUrl} made. */
    abstract void dropStore();

    @BeforeAll
    void start() {
        app = OmsApplication.start(OmsConfig.builder(newStoreUrl()).paymentTimeout(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(50)).build());
    }

    @AfterAll
    void stop() {
        if (app != null) app.close();
        dropStore();
    }

    @AfterEach
    void nothingStuck() {
        SagaRuntime sagas = app.sagaRuntime();
        for (String pm : List.of(Checkout.NAME, Returns.NAME)) {
            assertThat(sagas.failedCommands(pm, 10)).as("failed commands of " + pm).isEmpty();
        }
    }

    RequestContext ctx() {
        return new RequestContext("key-" + keys.incrementAndGet(), null, null);
    }

    static PlaceOrderRequest order(String customer, PaymentDetails payment, Object... skuAndQuantity) {
        List<PlaceOrderRequest.Line> lines = new ArrayList<>();
        for (int i = 0; i < skuAndQuantity.length; i += 2) {
            lines.add(new PlaceOrderRequest.Line((String) skuAndQuantity[i], (Integer) skuAndQuantity[i + 1], PRICE));
        }
        return new PlaceOrderRequest(null, customer, "EUR", lines, payment);
    }

    static PaymentDetails card(String token) {
        return new PaymentDetails("card", token);
    }

    OrderView settled(String orderId) {
        OrderView v = app.awaitTerminal(orderId, WAIT);
        assertThat(v.status().terminal()).as("order %s ended, status %s", orderId, v.status()).isTrue();
        assertIdle(orderId);
        return v;
    }

    void assertIdle(String orderId) {
        SagaRuntime sagas = app.sagaRuntime();
        // the order shows its last status once the last command was handled; removing the dispatched commands
        // from the outbox commits right after that
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until
                && !(sagas.commands(Checkout.NAME, orderId).isEmpty() && sagas.commands(Returns.NAME, orderId).isEmpty())) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        for (String pm : List.of(Checkout.NAME, Returns.NAME)) {
            sagas.instance(pm, orderId).ifPresent(i -> assertThat(i.status()).as(pm + " " + orderId).isEqualTo(SagaStatus.ENDED));
            assertThat(sagas.commands(pm, orderId)).as("commands of " + pm + " " + orderId).isEmpty();
            assertThat(sagas.deadlines(pm, orderId)).as("deadlines of " + pm + " " + orderId).isEmpty();
        }
    }

    List<String> types(String orderId) {
        return app.timeline(orderId).stream().map(TimelineEntry::type).toList();
    }

    void assertStock(String sku, int available, int reserved, int committed) {
        assertThat(app.stock(sku)).isEqualTo(new StockLevel(sku, available, reserved, committed));
    }

    // ------------------------------------------------------------------ success

    @Test
    void placedWithPaymentIsConfirmed() {
        app.restock("ok1", 10, ctx());
        app.restock("ok2", 10, ctx());
        RequestContext place = new RequestContext("place-ok", "corr-ok", null);
        OrderView placed = app.placeOrder(order("ana", card("tok_visa"), "ok1", 2, "ok2", 3), place);
        assertThat(placed.status()).isEqualTo(OrderView.Status.CREATED);
        assertThat(placed.total()).isEqualByComparingTo("62.50");

        OrderView done = settled(placed.orderId());
        assertThat(done.status()).isEqualTo(OrderView.Status.CONFIRMED);
        assertThat(done.paymentId()).isEqualTo(Payment.idOf(placed.orderId()));
        assertStock("ok1", 8, 0, 2);
        assertStock("ok2", 7, 0, 3);
        List<TimelineEntry> timeline = app.timeline(placed.orderId());
        assertThat(timeline).extracting(TimelineEntry::type).containsExactly("OrderPlaced", "OrderReserved", "OrderPaid", "OrderConfirmed");
        assertThat(timeline).allSatisfy(e -> {
            assertThat(e.correlationId()).isEqualTo("corr-ok");
            assertThat(e.causationId()).isNotBlank();
        });
        assertThat(timeline).extracting(TimelineEntry::version).containsExactly(0L, 1L, 2L, 3L);
        assertThat(app.sagaRuntime().instance(Checkout.NAME, placed.orderId())).map(SagaInstance::status).contains(SagaStatus.ENDED);
        // every event of the conversation, in every context, carries the caller's correlation id
        for (String stream : List.of("stock-ok1", "payment-" + placed.orderId())) {
            List<RecordedEvent> events = app.eventStore().readStream(StreamId.of(stream));
            assertThat(events.stream().filter(e -> e.dataAsString().contains(placed.orderId())))
                    .isNotEmpty().allSatisfy(e -> assertThat(e.metadata().correlationId()).isEqualTo("corr-ok"));
        }
        // the read models: the summary and the customer's list
        assertThat(app.getOrder(placed.orderId())).isEqualTo(done);
        assertThat(app.ordersOf("ana", 10, null).orders()).extracting(OrderView::orderId).containsExactly(placed.orderId());
    }

    @Test
    void paidLaterIsConfirmed() {
        app.restock("later", 5, ctx());
        OrderView placed = app.placeOrder(order("bo", null, "later", 1), ctx());
        OrderView reserved = app.awaitStatus(placed.orderId(), OrderView.Status.RESERVED, WAIT);
        assertThat(reserved.status()).isEqualTo(OrderView.Status.RESERVED);
        assertStock("later", 4, 1, 0);
        app.payOrder(placed.orderId(), card("tok_visa"), ctx());
        assertThat(settled(placed.orderId()).status()).isEqualTo(OrderView.Status.CONFIRMED);
        assertStock("later", 4, 0, 1);
        assertThat(types(placed.orderId()))
                .containsExactly("OrderPlaced", "OrderReserved", "OrderPaymentRequested", "OrderPaid", "OrderConfirmed");
    }

    @Test
    void customersOrdersPageNewestFirst() {
        app.restock("page", 100, ctx());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) ids.add(app.placeOrder(order("pager", card("tok_visa"), "page", 1), ctx()).orderId());
        for (String id : ids) settled(id);
        CustomerOrders first = app.ordersOf("pager", 2, null);
        CustomerOrders second = app.ordersOf("pager", 2, first.next());
        CustomerOrders third = app.ordersOf("pager", 2, second.next());
        List<String> seen = new ArrayList<>();
        for (CustomerOrders page : List.of(first, second, third)) page.orders().forEach(o -> seen.add(o.orderId()));
        assertThat(seen).containsExactlyElementsOf(ids.reversed());
        assertThat(third.next()).isNull();
        assertThat(app.ordersOf("nobody", 10, null).orders()).isEmpty();
    }

    // ------------------------------------------------------------------ failures and compensations

    @Test
    void stockShortCancelsAndReleasesWhatWasReserved() {
        app.restock("shortA", 10, ctx());
        app.restock("shortB", 1, ctx());
        OrderView placed = app.placeOrder(order("cy", card("tok_visa"), "shortA", 4, "shortB", 2, "shortNone", 1), ctx());
        OrderView done = settled(placed.orderId());
        assertThat(done.status()).isEqualTo(OrderView.Status.CANCELLED);
        assertThat(done.reason()).isEqualTo(Checkout.OUT_OF_STOCK);
        assertThat(done.refunded()).isEqualByComparingTo("0");
        assertStock("shortA", 10, 0, 0);
        assertStock("shortB", 1, 0, 0);
        assertStock("shortNone", 0, 0, 0);
        assertThat(types(placed.orderId())).containsExactly("OrderPlaced", "OrderCancelled");
        assertThat(paymentEvents(placed.orderId())).isEmpty();
    }

    @Test
    void declinedPaymentCancelsAndReleasesStock() {
        app.restock("decl", 3, ctx());
        OrderView placed = app.placeOrder(order("di", card("tok_decline"), "decl", 2), ctx());
        OrderView done = settled(placed.orderId());
        assertThat(done.status()).isEqualTo(OrderView.Status.CANCELLED);
        assertThat(done.reason()).isEqualTo(Checkout.PAYMENT_DECLINED);
        assertStock("decl", 3, 0, 0);
        assertThat(types(placed.orderId())).containsExactly("OrderPlaced", "OrderReserved", "OrderCancelled");
        assertThat(paymentEvents(placed.orderId())).containsExactly("PaymentRequested", "PaymentDeclined");
    }

    @Test
    void unansweredPaymentTimesOutVoidsAndReleasesStock() {
        app.restock("tmo", 3, ctx());
        OrderView placed = app.placeOrder(order("ed", card("tok_timeout"), "tmo", 1), ctx());
        OrderView paying = app.awaitStatus(placed.orderId(), OrderView.Status.RESERVED, WAIT);
        assertThat(paying.status()).isEqualTo(OrderView.Status.RESERVED);
        OrderView done = settled(placed.orderId());
        assertThat(done.status()).isEqualTo(OrderView.Status.CANCELLED);
        assertThat(done.reason()).isEqualTo(Checkout.PAYMENT_TIMEOUT);
        assertThat(done.refunded()).isEqualByComparingTo("0");
        assertStock("tmo", 3, 0, 0);
        assertThat(types(placed.orderId())).containsExactly("OrderPlaced", "OrderReserved", "OrderCancelled");
        assertThat(paymentEvents(placed.orderId())).containsExactly("PaymentRequested", "PaymentVoided");
    }

    @Test
    void cancelBeforePaymentReleasesStock() {
        app.restock("cbp", 4, ctx());
        OrderView placed = app.placeOrder(order("fe", null, "cbp", 3), ctx());
        app.awaitStatus(placed.orderId(), OrderView.Status.RESERVED, WAIT);
        assertStock("cbp", 1, 3, 0);
        OrderView asked = app.cancelOrder(placed.orderId(), "changed_mind", ctx());
        assertThat(asked.status()).isEqualTo(OrderView.Status.RESERVED);
        OrderView done = settled(placed.orderId());
        assertThat(done.status()).isEqualTo(OrderView.Status.CANCELLED);
        assertThat(done.reason()).isEqualTo("changed_mind");
        assertStock("cbp", 4, 0, 0);
        assertThat(types(placed.orderId())).containsExactly("OrderPlaced", "OrderReserved", "OrderCancellationRequested", "OrderCancelled");
        assertThatThrownBy(() -> app.cancelOrder(placed.orderId(), "again", ctx())).isInstanceOf(DomainRuleViolation.class);
        assertThatThrownBy(() -> app.payOrder(placed.orderId(), card("tok_visa"), ctx())).isInstanceOf(DomainRuleViolation.class);
    }

    @Test
    void cancelAfterPaymentRefundsAndReturnsStock() {
        app.restock("cap", 5, ctx());
        OrderView placed = app.placeOrder(order("gi", card("tok_visa"), "cap", 2), ctx());
        assertThat(settled(placed.orderId()).status()).isEqualTo(OrderView.Status.CONFIRMED);
        assertStock("cap", 3, 0, 2);
        app.cancelOrder(placed.orderId(), "late_change", ctx());
        OrderView done = app.awaitStatus(placed.orderId(), OrderView.Status.CANCELLED, WAIT);
        assertIdle(placed.orderId());
        assertThat(done.status()).isEqualTo(OrderView.Status.CANCELLED);
        assertThat(done.reason()).isEqualTo("late_change");
        assertThat(done.refunded()).isEqualByComparingTo("25.00");
        assertStock("cap", 5, 0, 0);
        assertThat(types(placed.orderId())).containsExactly("OrderPlaced", "OrderReserved", "OrderPaid", "OrderConfirmed",
                "OrderCancellationRequested", "OrderCancelled");
        assertThat(paymentEvents(placed.orderId())).containsExactly("PaymentRequested", "PaymentCaptured", "PaymentRefunded");
        assertThat(app.sagaRuntime().instance(Returns.NAME, placed.orderId())).map(SagaInstance::status).contains(SagaStatus.ENDED);
    }

    @Test
    void refundOfConfirmedOrder() {
        app.restock("ref", 5, ctx());
        OrderView placed = app.placeOrder(order("hu", card("tok_visa"), "ref", 1), ctx());
        assertThatThrownBy(() -> app.refundOrder(placed.orderId(), "too early", ctx())).isInstanceOf(DomainRuleViolation.class);
        settled(placed.orderId());
        app.refundOrder(placed.orderId(), "damaged", ctx());
        OrderView done = app.awaitStatus(placed.orderId(), OrderView.Status.REFUNDED, WAIT);
        assertIdle(placed.orderId());
        assertThat(done.refunded()).isEqualByComparingTo("12.50");
        assertThat(done.reason()).isEqualTo("damaged");
        assertStock("ref", 4, 0, 1);   // a refund gives the money back, not the goods
        assertThat(types(placed.orderId())).containsExactly("OrderPlaced", "OrderReserved", "OrderPaid", "OrderConfirmed",
                "OrderRefundRequested", "OrderRefunded");
        assertThatThrownBy(() -> app.refundOrder(placed.orderId(), "twice", ctx())).isInstanceOf(DomainRuleViolation.class);
        assertThatThrownBy(() -> app.cancelOrder(placed.orderId(), "after refund", ctx())).isInstanceOf(DomainRuleViolation.class);
    }

    // ------------------------------------------------------------------ bad input, unknown orders

    @Test
    void badRequestsAreRefusedNamingTheFieldAndChangeNothing() {
        long head = app.eventStore().headPosition();
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, " ", "EUR", List.of(new PlaceOrderRequest.Line("x1", 1, PRICE)), null), ctx()), "customerId");
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, "c", "EUR", List.of(), null), ctx()), "lines");
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, "c", "EUR", null, null), ctx()), "lines");
        assertField(() -> app.placeOrder(order("c", null, "x1", 0), ctx()), "lines[0].quantity");
        assertField(() -> app.placeOrder(order("c", null, "x1", 1, "x2", -3), ctx()), "lines[1].quantity");
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, "c", "EUR",
                List.of(new PlaceOrderRequest.Line("x1", 1, new BigDecimal("-0.01"))), null), ctx()), "lines[0].unitPrice");
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, "c", "EUR", List.of(new PlaceOrderRequest.Line("x1", 1, null)), null), ctx()), "lines[0].unitPrice");
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, "c", "euro", List.of(new PlaceOrderRequest.Line("x1", 1, PRICE)), null), ctx()), "currency");
        assertField(() -> app.placeOrder(new PlaceOrderRequest(null, "c", null, List.of(new PlaceOrderRequest.Line("x1", 1, PRICE)), null), ctx()), "currency");
        assertField(() -> app.placeOrder(order("c", null, "bad sku", 1), ctx()), "lines[0].sku");
        assertField(() -> app.placeOrder(order("c", null, "x1", 1, "x1", 2), ctx()), "lines[1].sku");
        assertField(() -> app.placeOrder(order("c", card(" "), "x1", 1), ctx()), "payment.token");
        assertField(() -> app.placeOrder(new PlaceOrderRequest("has space", "c", "EUR", List.of(new PlaceOrderRequest.Line("x1", 1, PRICE)), null), ctx()), "orderId");
        assertField(() -> app.placeOrder(order("c", null, "x1", 1), new RequestContext(null, null, null)), "idempotencyKey");
        assertField(() -> app.placeOrder(order("c", null, "x1", 1), null), "idempotencyKey");
        assertField(() -> app.restock("x1", 0, ctx()), "quantity");
        assertField(() -> app.stock("no/slash"), "sku");
        assertField(() -> app.ordersOf("c", 0, null), "limit");
        assertField(() -> app.ordersOf("c", 10, "not-a-cursor"), "after");
        assertThat(app.eventStore().headPosition()).isEqualTo(head);

        assertThatThrownBy(() -> app.getOrder("no-such-order")).isInstanceOf(OrderNotFoundException.class);
        assertThatThrownBy(() -> app.timeline("no-such-order")).isInstanceOf(OrderNotFoundException.class);
        assertThatThrownBy(() -> app.payOrder("no-such-order", card("tok_visa"), ctx())).isInstanceOf(OrderNotFoundException.class);
        assertThatThrownBy(() -> app.cancelOrder("no-such-order", null, ctx())).isInstanceOf(OrderNotFoundException.class);
        assertThatThrownBy(() -> app.refundOrder("no-such-order", null, ctx())).isInstanceOf(OrderNotFoundException.class);
        assertThat(app.eventStore().headPosition()).isEqualTo(head);
    }

    static void assertField(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
    }

    // ------------------------------------------------------------------ idempotency

    @Test
    void repeatedRequestsWithTheSameKeyDoNothingTwice() {
        RequestContext restock = ctx();
        app.restock("idem", 5, restock);
        assertThat(app.restock("idem", 5, restock)).isEqualTo(new StockLevel("idem", 5, 0, 0));

        RequestContext place = ctx();
        OrderView first = app.placeOrder(order("iv", null, "idem", 1), place);
        OrderView again = app.placeOrder(order("iv", null, "idem", 1), place);
        assertThat(again.orderId()).isEqualTo(first.orderId());
        assertThat(app.ordersOf("iv", 10, null).orders()).hasSizeLessThanOrEqualTo(1);
        String id = first.orderId();
        app.awaitStatus(id, OrderView.Status.RESERVED, WAIT);

        RequestContext pay = ctx();
        app.payOrder(id, card("tok_visa"), pay);
        app.payOrder(id, card("tok_visa"), pay);       // the same request again: no error, nothing new
        settled(id);
        assertThatThrownBy(() -> app.payOrder(id, card("tok_visa"), ctx())).isInstanceOf(DomainRuleViolation.class);

        RequestContext refund = ctx();
        app.refundOrder(id, "r", refund);
        app.refundOrder(id, "r", refund);
        app.awaitStatus(id, OrderView.Status.REFUNDED, WAIT);
        assertIdle(id);
        assertThat(types(id)).containsExactly("OrderPlaced", "OrderReserved", "OrderPaymentRequested", "OrderPaid",
                "OrderConfirmed", "OrderRefundRequested", "OrderRefunded");
        assertThat(paymentEvents(id)).containsExactly("PaymentRequested", "PaymentCaptured", "PaymentRefunded");
        assertStock("idem", 4, 0, 1);
        assertThat(app.ordersOf("iv", 10, null).orders()).hasSize(1);

        OrderView other = app.placeOrder(order("iv", null, "idem", 1), ctx());
        app.awaitStatus(other.orderId(), OrderView.Status.RESERVED, WAIT);
        RequestContext cancel = ctx();
        app.cancelOrder(other.orderId(), "no", cancel);
        app.cancelOrder(other.orderId(), "no", cancel);
        settled(other.orderId());
        assertThat(types(other.orderId())).containsExactly("OrderPlaced", "OrderReserved", "OrderCancellationRequested", "OrderCancelled");
        assertStock("idem", 4, 0, 1);
    }

    // ------------------------------------------------------------------ concurrency and redelivery

    @Test
    void concurrentOrdersForTheLastUnitsNeverOversell() throws Exception {
        app.restock("last", 5, ctx());
        int buyers = 24;
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        Map<Integer, Throwable> errors = new ConcurrentHashMap<>();
        for (int i = 0; i < buyers; i++) {
            int n = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    ids.add(app.placeOrder(order("rush" + n, card("tok_visa"), "last", 1), ctx()).orderId());
                } catch (Throwable t) {
                    errors.put(n, t);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertThat(errors).isEmpty();
        int confirmed = 0;
        int outOfStock = 0;
        for (String id : ids) {
            OrderView v = settled(id);
            if (v.status() == OrderView.Status.CONFIRMED) confirmed++;
            else if (v.status() == OrderView.Status.CANCELLED && Checkout.OUT_OF_STOCK.equals(v.reason())) outOfStock++;
        }
        assertThat(confirmed).isEqualTo(5);
        assertThat(outOfStock).isEqualTo(buyers - 5);
        assertStock("last", 0, 0, 5);
    }

    @Test
    void redeliveredEventsChangeNothing() {
        app.restock("redo", 5, ctx());
        OrderView ok = app.placeOrder(order("ja", card("tok_visa"), "redo", 1), ctx());
        OrderView declined = app.placeOrder(order("ja", card("tok_decline"), "redo", 1), ctx());
        OrderView before = settled(ok.orderId());
        OrderView declinedBefore = settled(declined.orderId());
        app.cancelOrder(ok.orderId(), "redo", ctx());
        OrderView cancelled = app.awaitStatus(ok.orderId(), OrderView.Status.CANCELLED, WAIT);
        assertIdle(ok.orderId());
        assertThat(before.status()).isEqualTo(OrderView.Status.CONFIRMED);
        StockLevel stock = app.stock("redo");
        long head = app.eventStore().headPosition();

        // every event of both orders' conversations delivered to both process managers again
        List<RecordedEvent> all = new ArrayList<>();
        for (String id : List.of(ok.orderId(), declined.orderId())) {
            all.addAll(app.eventStore().readStream(StreamId.of("order", id)));
            all.addAll(stream(StreamId.of(Payments.CATEGORY, id)));
        }
        all.addAll(app.eventStore().readStream(StreamId.of("stock", "redo")));
        for (RecordedEvent e : all) {
            app.sagaRuntime().deliver(Checkout.NAME, e);
            app.sagaRuntime().deliver(Returns.NAME, e);
        }
        app.sagaRuntime().runDueWork();
        assertIdle(ok.orderId());
        assertIdle(declined.orderId());
        assertThat(app.eventStore().headPosition()).isEqualTo(head);
        assertThat(app.stock("redo")).isEqualTo(stock);
        assertThat(app.getOrder(ok.orderId())).isEqualTo(cancelled);
        assertThat(app.getOrder(declined.orderId())).isEqualTo(declinedBefore);
        assertThat(app.sagaRuntime().count(Checkout.NAME, SagaStatus.ACTIVE)).isZero();
        assertThat(app.sagaRuntime().count(Returns.NAME, SagaStatus.ACTIVE)).isZero();
    }

    @Test
    void healthIsReady() {
        HealthReport h = app.health();
        assertThat(h.ready()).as(h.checks().toString()).isTrue();
    }

    List<String> paymentEvents(String orderId) {
        return stream(StreamId.of(Payments.CATEGORY, orderId)).stream().map(RecordedEvent::type).toList();
    }

    List<RecordedEvent> stream(StreamId id) {
        try {
            return app.eventStore().readStream(id);
        } catch (dev.facta.store.StreamNotFoundException e) {
            return List.of();
        }
    }
}

package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.inventory.InventoryCommand.CommitStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReleaseStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReserveStock;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockReserved;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockShort;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Cancel;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Confirm;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkPaid;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkReserved;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancellationRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderConfirmed;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPaymentRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPlaced;
import dev.facta.examples.oms.contracts.orders.OrderLine;
import dev.facta.examples.oms.contracts.orders.PaymentMethod;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.ChargePayment;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.VoidPayment;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentCaptured;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentDeclined;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentRefunded;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentVoided;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.SagaStatus;
import dev.facta.serialization.SerializedEvent;
import dev.facta.test.saga.SagaFixture;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every transition of the checkout saga, on the real runtime through {@link SagaFixture}. */
class CheckoutTest {
    static final JacksonEventSerializer JSON = OmsJson.serializer();
    static final Duration DEADLINE = Duration.ofSeconds(10);
    static final ProcessManager<Checkout.State> CHECKOUT = Checkout.definition(JSON, DEADLINE);
    static final BigDecimal TOTAL = new BigDecimal("35.00");
    static final List<OrderLine> LINES = List.of(new OrderLine("A", 2, new BigDecimal("10.00")), new OrderLine("B", 1, new BigDecimal("15.00")));
    static final PaymentMethod VISA = new PaymentMethod("card", "tok_visa");

    /** An event of a stream, encoded as the service stores it. */
    static SagaFixture.StreamEvent ev(String stream, Object event) {
        SerializedEvent s = JSON.serialize(event);
        return SagaFixture.event(stream, s.type(), s.dataAsString());
    }

    static SagaFixture.StreamEvent placed(PaymentMethod payment) {
        return ev("order-o1", new OrderPlaced("o1", "ana", "EUR", LINES, TOTAL, payment));
    }

    static SagaFixture.StreamEvent reserved(String sku, int q) {
        return ev("stock-" + sku, new StockReserved("o1", sku, q));
    }

    static final SagaFixture.StreamEvent CAPTURED = ev("payment-o1", new PaymentCaptured("o1", "pay_o1", "ch_1", TOTAL, "EUR"));
    static final ChargePayment CHARGE = new ChargePayment("o1", TOTAL, "EUR", "card", "tok_visa");

    @Test
    void placingReservesEveryLine() {
        SagaFixture.of(CHECKOUT).givenNothing().when(placed(VISA))
                .thenCommands(new ReserveStock("o1", "A", 2), new ReserveStock("o1", "B", 1))
                .thenState(s -> assertThat(s.stage()).isEqualTo(Checkout.Stage.RESERVING))
                .thenStatus(SagaStatus.ACTIVE)
                .thenNoDeadline(Checkout.PAYMENT_DEADLINE);
    }

    @Test
    void oneLineReservedWaitsForTheOthers() {
        SagaFixture.of(CHECKOUT).given(placed(VISA)).when(reserved("A", 2))
                .thenNoCommands()
                .thenState(s -> assertThat(s.reserved()).containsExactly("A"));
    }

    @Test
    void allReservedWithPaymentMarksReservedChargesAndSchedulesTheDeadline() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2)).when(reserved("B", 1))
                .thenCommands(new MarkReserved("o1"), CHARGE)
                .thenState(s -> assertThat(s.stage()).isEqualTo(Checkout.Stage.PAYING))
                .thenDeadline(Checkout.PAYMENT_DEADLINE, DEADLINE);
    }

    @Test
    void allReservedWithoutPaymentWaitsForIt() {
        SagaFixture.of(CHECKOUT).given(placed(null), reserved("A", 2)).when(reserved("B", 1))
                .thenCommands(new MarkReserved("o1"))
                .thenState(s -> assertThat(s.stage()).isEqualTo(Checkout.Stage.RESERVED))
                .thenNoDeadline(Checkout.PAYMENT_DEADLINE);
    }

    @Test
    void paymentAskedForOnAReservedOrderCharges() {
        SagaFixture.of(CHECKOUT).given(placed(null), reserved("A", 2), reserved("B", 1))
                .when(ev("order-o1", new OrderPaymentRequested("o1", VISA)))
                .thenCommands(CHARGE)
                .thenDeadline(Checkout.PAYMENT_DEADLINE, DEADLINE);
    }

    @Test
    void paymentAskedForWhileReservingChargesOnceReserved() {
        SagaFixture.of(CHECKOUT).given(placed(null), reserved("A", 2), ev("order-o1", new OrderPaymentRequested("o1", VISA)))
                .when(reserved("B", 1))
                .thenCommands(new MarkReserved("o1"), CHARGE);
    }

    @Test
    void aShortLineReleasesTheReservedOnesAndCancels() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2))
                .when(ev("stock-B", new StockShort("o1", "B", 1, 0)))
                .thenCommands(new ReleaseStock("o1", "A", Checkout.OUT_OF_STOCK), new ReleaseStock("o1", "B", Checkout.OUT_OF_STOCK),
                        new Cancel("o1", Checkout.OUT_OF_STOCK, BigDecimal.ZERO))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void captureMarksPaidCommitsAndConfirmsInThatOrder() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1)).when(CAPTURED)
                .thenCommands(new MarkPaid("o1", "pay_o1", TOTAL), new CommitStock("o1", "A"), new CommitStock("o1", "B"), new Confirm("o1"))
                .thenStatus(SagaStatus.ENDED)
                .thenNoDeadline(Checkout.PAYMENT_DEADLINE);
    }

    @Test
    void declineReleasesAndCancels() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1))
                .when(ev("payment-o1", new PaymentDeclined("o1", "pay_o1", "card_declined")))
                .thenCommands(new ReleaseStock("o1", "A", Checkout.PAYMENT_DECLINED), new ReleaseStock("o1", "B", Checkout.PAYMENT_DECLINED),
                        new Cancel("o1", Checkout.PAYMENT_DECLINED, BigDecimal.ZERO))
                .thenStatus(SagaStatus.ENDED)
                .thenNoDeadline(Checkout.PAYMENT_DEADLINE);
    }

    @Test
    void theDeadlineVoidsThePaymentThenTheVoidCancels() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1))
                .whenTimePasses(DEADLINE)
                .thenCommands(new VoidPayment("o1", Checkout.PAYMENT_TIMEOUT))
                .thenState(s -> assertThat(s.stage()).isEqualTo(Checkout.Stage.CANCELLING))
                .thenStatus(SagaStatus.ACTIVE);
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1)).andTimePasses(DEADLINE)
                .when(ev("payment-o1", new PaymentVoided("o1", "pay_o1", Checkout.PAYMENT_TIMEOUT)))
                .thenCommands(new ReleaseStock("o1", "A", Checkout.PAYMENT_TIMEOUT), new ReleaseStock("o1", "B", Checkout.PAYMENT_TIMEOUT),
                        new Cancel("o1", Checkout.PAYMENT_TIMEOUT, BigDecimal.ZERO))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void theDeadlineDoesNotFireEarlyNorAfterTheCapture() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1))
                .whenTimePasses(DEADLINE.minusSeconds(1)).thenNoCommands();
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1), CAPTURED)
                .whenTimePasses(DEADLINE.multipliedBy(2)).thenNoCommands().thenStatus(SagaStatus.ENDED);
    }

    @Test
    void aCaptureAfterTheTimeoutIsLeftToTheVoidWhichRefundsIt() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1)).andTimePasses(DEADLINE)
                .when(CAPTURED).thenNoCommands().thenStatus(SagaStatus.ACTIVE);
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1)).andTimePasses(DEADLINE).and(CAPTURED)
                .when(ev("payment-o1", new PaymentRefunded("o1", "pay_o1", TOTAL, Checkout.PAYMENT_TIMEOUT)))
                .thenCommands(new ReleaseStock("o1", "A", Checkout.PAYMENT_TIMEOUT), new ReleaseStock("o1", "B", Checkout.PAYMENT_TIMEOUT),
                        new Cancel("o1", Checkout.PAYMENT_TIMEOUT, TOTAL))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void cancellationWhileReservingReleasesEveryLineAndCancels() {
        SagaFixture.of(CHECKOUT).given(placed(null), reserved("A", 2))
                .when(ev("order-o1", new OrderCancellationRequested("o1", "changed_mind", false, BigDecimal.ZERO, LINES)))
                .thenCommands(new ReleaseStock("o1", "A", "changed_mind"), new ReleaseStock("o1", "B", "changed_mind"),
                        new Cancel("o1", "changed_mind", BigDecimal.ZERO))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void cancellationWhilePayingVoidsFirst() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1))
                .when(ev("order-o1", new OrderCancellationRequested("o1", "changed_mind", false, BigDecimal.ZERO, LINES)))
                .thenCommands(new VoidPayment("o1", "changed_mind"))
                .thenNoDeadline(Checkout.PAYMENT_DEADLINE)
                .thenState(s -> assertThat(s.reason()).isEqualTo("changed_mind"));
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1),
                        ev("order-o1", new OrderCancellationRequested("o1", "changed_mind", false, BigDecimal.ZERO, LINES)))
                .when(ev("payment-o1", new PaymentDeclined("o1", "pay_o1", "card_declined")))
                .thenCommands(new ReleaseStock("o1", "A", "changed_mind"), new ReleaseStock("o1", "B", "changed_mind"),
                        new Cancel("o1", "changed_mind", BigDecimal.ZERO))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void cancellationAfterConfirmationIsNotTheCheckoutsBusiness() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1))
                .when(ev("order-o1", new OrderCancellationRequested("o1", "late", true, TOTAL, LINES)))
                .thenIgnored();
    }

    @Test
    void anEndedCheckoutIgnoresLaterEvents() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1), CAPTURED)
                .when(ev("order-o1", new OrderConfirmed("o1"))).thenIgnored();   // not an event the checkout follows
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1), CAPTURED)
                .when(ev("order-o1", new OrderCancellationRequested("o1", "x", false, TOTAL, LINES))).thenNoCommands();
    }

    @Test
    void redeliveredEventsChangeNothing() {
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2)).whenRedelivered().thenNoCommands()
                .thenState(s -> assertThat(s.reserved()).containsExactly("A"));
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1)).whenRedelivered().thenNoCommands()
                .thenState(s -> assertThat(s.stage()).isEqualTo(Checkout.Stage.PAYING));
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2), reserved("B", 1), CAPTURED).whenRedelivered()
                .thenNoCommands().thenStatus(SagaStatus.ENDED);
    }

    @Test
    void aRepeatedAnswerForTheSameLineCountsOnce() {
        // a second reservation event for a line already answered (another stream version) is not a second line
        SagaFixture.of(CHECKOUT).given(placed(VISA), reserved("A", 2)).when(reserved("A", 2))
                .thenNoCommands().thenState(s -> assertThat(s.stage()).isEqualTo(Checkout.Stage.RESERVING));
    }
}

package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReturnStock;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Cancel;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkRefunded;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancellationRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderRefundRequested;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.RefundPayment;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.SagaStatus;
import dev.facta.test.saga.SagaFixture;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static dev.facta.examples.oms.orders.CheckoutTest.LINES;
import static dev.facta.examples.oms.orders.CheckoutTest.TOTAL;
import static dev.facta.examples.oms.orders.CheckoutTest.ev;

/** The returns process: cancellation and refund of confirmed orders. */
class ReturnsTest {
    static final ProcessManager<Returns.State> RETURNS = Returns.definition(CheckoutTest.JSON);

    @Test
    void cancellationAfterConfirmationRefundsReturnsStockAndCancels() {
        SagaFixture.of(RETURNS).givenNothing()
                .when(ev("order-o1", new OrderCancellationRequested("o1", "late", true, TOTAL, LINES)))
                .thenCommands(new RefundPayment("o1", "late"), new ReturnStock("o1", "A", 2), new ReturnStock("o1", "B", 1),
                        new Cancel("o1", "late", TOTAL))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void cancellationBeforeConfirmationIsTheCheckoutsBusiness() {
        SagaFixture.of(RETURNS).givenNothing()
                .when(ev("order-o1", new OrderCancellationRequested("o1", "early", false, BigDecimal.ZERO, LINES)))
                .thenIgnored();
    }

    @Test
    void refundRefundsThenMarksRefunded() {
        SagaFixture.of(RETURNS).givenNothing().when(ev("order-o1", new OrderRefundRequested("o1", "damaged", TOTAL)))
                .thenCommands(new RefundPayment("o1", "damaged"), new MarkRefunded("o1", TOTAL, "damaged"))
                .thenStatus(SagaStatus.ENDED);
    }

    @Test
    void redeliveryChangesNothing() {
        SagaFixture.of(RETURNS).given(ev("order-o1", new OrderRefundRequested("o1", "damaged", TOTAL)))
                .whenRedelivered().thenNoCommands().thenStatus(SagaStatus.ENDED);
    }
}

package dev.facta.examples.oms.contracts.orders;

import java.math.BigDecimal;
import java.util.List;

/** What happened to an order; the events of the stream {@code order-<orderId>}, its audit trail. */
public sealed interface OrderEvent {
    String orderId();

    /** An order was opened; {@code payment} is null when the customer pays later. */
    record OrderPlaced(String orderId, String customerId, String currency, List<OrderLine> lines, BigDecimal total,
                       PaymentMethod payment) implements OrderEvent {
    }

    /** Every line's stock is held for the order. */
    record OrderReserved(String orderId) implements OrderEvent {
    }

    /** The customer asked to pay (after placing the order without payment). */
    record OrderPaymentRequested(String orderId, PaymentMethod payment) implements OrderEvent {
    }

    /** The payment was captured. */
    record OrderPaid(String orderId, String paymentId, BigDecimal amount) implements OrderEvent {
    }

    /** Paid and the stock committed: the order is done (until cancelled or refunded). */
    record OrderConfirmed(String orderId) implements OrderEvent {
    }

    /**
     * The customer asked to cancel. {@code afterConfirmation} says which process carries it out: the
     * checkout saga (false) or the returns process (true), which then needs {@code paid} and the lines.
     */
    record OrderCancellationRequested(String orderId, String reason, boolean afterConfirmation, BigDecimal paid,
                                      List<OrderLine> lines) implements OrderEvent {
    }

    /** The order ended cancelled; {@code refunded} is what the customer got back (zero when nothing was taken). */
    record OrderCancelled(String orderId, String reason, BigDecimal refunded) implements OrderEvent {
    }

    /** The customer asked for a confirmed order's money back. */
    record OrderRefundRequested(String orderId, String reason, BigDecimal amount) implements OrderEvent {
    }

    /** The payment was given back; the order ended refunded. */
    record OrderRefunded(String orderId, BigDecimal amount, String reason) implements OrderEvent {
    }
}

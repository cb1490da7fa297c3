package dev.facta.examples.oms.contracts.orders;

import java.math.BigDecimal;
import java.util.List;

/**
 * What the order aggregate ({@code order-<orderId>}) is asked to do. The first four come from
 * customers through the API; the others come from the checkout saga and the returns process, and are
 * idempotent by the order's state (sent twice, the second changes nothing), so a redelivered saga
 * command never needs the idempotency store.
 */
public sealed interface OrderCommand {
    String orderId();

    /** Opens an order; {@code payment} may be null (the customer pays later). */
    record PlaceOrder(String orderId, String customerId, String currency, List<OrderLine> lines, PaymentMethod payment)
            implements OrderCommand {
    }

    /** The customer pays a created or reserved order. */
    record RequestPayment(String orderId, PaymentMethod payment) implements OrderCommand {
    }

    /** The customer cancels; the saga (or the returns process after confirmation) carries it out. */
    record RequestCancellation(String orderId, String reason) implements OrderCommand {
    }

    /** The customer asks a confirmed order's payment back. */
    record RequestRefund(String orderId, String reason) implements OrderCommand {
    }

    /** Saga: every line's stock is reserved. */
    record MarkReserved(String orderId) implements OrderCommand {
    }

    /** Saga: the payment was captured. */
    record MarkPaid(String orderId, String paymentId, BigDecimal amount) implements OrderCommand {
    }

    /** Saga: the stock is committed; the order is done. */
    record Confirm(String orderId) implements OrderCommand {
    }

    /** Saga or returns: the compensations ran; the order ends cancelled, {@code refunded} given back. */
    record Cancel(String orderId, String reason, BigDecimal refunded) implements OrderCommand {
    }

    /** Returns: the payment was refunded; the order ends refunded. */
    record MarkRefunded(String orderId, BigDecimal amount, String reason) implements OrderCommand {
    }
}

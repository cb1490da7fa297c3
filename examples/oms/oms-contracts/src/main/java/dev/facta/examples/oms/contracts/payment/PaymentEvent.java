package dev.facta.examples.oms.contracts.payment;

import java.math.BigDecimal;

/** What happened to an order's payment; the events of the stream {@code payment-<orderId>}. */
public sealed interface PaymentEvent {
    String orderId();

    /** The charge was sent to the card gateway. */
    record PaymentRequested(String orderId, String paymentId, BigDecimal amount, String currency, String method)
            implements PaymentEvent {
    }

    /** The gateway took the money. */
    record PaymentCaptured(String orderId, String paymentId, String chargeId, BigDecimal amount, String currency)
            implements PaymentEvent {
    }

    /** The gateway refused the card. */
    record PaymentDeclined(String orderId, String paymentId, String reason) implements PaymentEvent {
    }

    /** A pending charge was given up on; a capture that arrives afterwards is refunded at once. */
    record PaymentVoided(String orderId, String paymentId, String reason) implements PaymentEvent {
    }

    /** The captured amount went back to the customer. */
    record PaymentRefunded(String orderId, String paymentId, BigDecimal amount, String reason) implements PaymentEvent {
    }
}

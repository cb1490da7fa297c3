package dev.facta.examples.oms.contracts.payment;

import java.math.BigDecimal;

/**
 * What an order's payment ({@code payment-<orderId>}) is asked to do. Each is idempotent by the
 * payment's state: charging a payment that exists, voiding a voided one or refunding a refunded one
 * changes nothing.
 */
public sealed interface PaymentCommand {
    String orderId();

    /** Charges the card behind {@code token}; the outcome is an event ({@code PaymentCaptured} or {@code PaymentDeclined}). */
    record ChargePayment(String orderId, BigDecimal amount, String currency, String method, String token)
            implements PaymentCommand {
    }

    /** The card gateway answered a charge that was still pending. */
    record RecordGatewayAnswer(String orderId, String chargeId, boolean captured, String declineReason)
            implements PaymentCommand {
    }

    /** Gives up on the payment: a pending charge is voided, a captured one refunded. */
    record VoidPayment(String orderId, String reason) implements PaymentCommand {
    }

    /** Gives a captured payment back in full. */
    record RefundPayment(String orderId, String reason) implements PaymentCommand {
    }
}

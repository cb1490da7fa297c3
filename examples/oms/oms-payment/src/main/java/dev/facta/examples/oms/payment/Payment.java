package dev.facta.examples.oms.payment;

import dev.facta.examples.oms.contracts.payment.PaymentEvent;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentCaptured;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentDeclined;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentRefunded;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentRequested;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentVoided;

import java.math.BigDecimal;

/** An order's payment, folded from the stream {@code payment-<orderId>}. */
public record Payment(Status status, String paymentId, BigDecimal amount, String currency, String chargeId) {

    /** Where a payment is. */
    public enum Status { NONE, PENDING, CAPTURED, DECLINED, VOIDED, REFUNDED }

    public static final Payment NONE = new Payment(Status.NONE, null, BigDecimal.ZERO, null, null);

    /** The payment id of an order's payment. */
    public static String idOf(String orderId) {
        return "pay_" + orderId;
    }

    public Payment evolve(PaymentEvent event) {
        return switch (event) {
            case PaymentRequested r -> new Payment(Status.PENDING, r.paymentId(), r.amount(), r.currency(), null);
            // a capture after a void is refunded right after it: the status then moves on to REFUNDED
            case PaymentCaptured c -> new Payment(Status.CAPTURED, c.paymentId(), c.amount(), c.currency(), c.chargeId());
            case PaymentDeclined d -> new Payment(Status.DECLINED, paymentId, amount, currency, chargeId);
            case PaymentVoided v -> new Payment(Status.VOIDED, v.paymentId(), amount, currency, chargeId);
            case PaymentRefunded r -> new Payment(Status.REFUNDED, paymentId, amount, currency, chargeId);
        };
    }
}

package dev.facta.examples.oms.payment;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;

/**
 * A card payment provider. Calls carry the payment id as the provider's idempotency key, so a charge
 * sent again after a crash is the same charge.
 */
public interface CardGateway {

    /** The provider's answer to a charge. */
    record Answer(boolean captured, String chargeId, String declineReason) {
        public static Answer captured(String chargeId) {
            return new Answer(true, chargeId, null);
        }

        public static Answer declined(String chargeId, String reason) {
            return new Answer(false, chargeId, reason);
        }
    }

    /** Charges the card behind {@code token}; the future completes with the answer (or never, when the provider never answers). */
    CompletableFuture<Answer> charge(String paymentId, BigDecimal amount, String currency, String token);

    /** Gives a captured charge back. */
    void refund(String paymentId, String chargeId, BigDecimal amount);
}

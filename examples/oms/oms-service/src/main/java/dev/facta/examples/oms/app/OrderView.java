package dev.facta.examples.oms.app;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order as clients see it. {@code status} is one of {@link Status}; {@code reason} says why a cancelled order
 * was cancelled ({@code out_of_stock}, {@code payment_declined}, {@code payment_timeout}, or the customer's reason).
 */
public record OrderView(String orderId, String customerId, Status status, String currency, List<PlaceOrderRequest.Line> lines,
                        BigDecimal total, String paymentId, BigDecimal refunded, String reason, long version,
                        Instant createdAt, Instant updatedAt) {

    /** The lifecycle. Terminal: {@code CONFIRMED} (until refunded), {@code CANCELLED}, {@code REFUNDED}. */
    public enum Status {
        CREATED, RESERVED, PAID, CONFIRMED, CANCELLED, REFUNDED;

        public boolean terminal() {
            return this == CONFIRMED || this == CANCELLED || this == REFUNDED;
        }
    }
}

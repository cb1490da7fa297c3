package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.orders.OrderLine;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * The read model of one order (a document of {@link OrderSummaries}): what clients see.
 * {@code placedPosition} (the global position of {@code OrderPlaced}) orders a customer's orders newest
 * first and serves as the paging cursor.
 */
public record OrderSummary(String orderId, String customerId, String status, String currency, List<OrderLine> lines,
                           BigDecimal total, String paymentId, BigDecimal refunded, String reason, long version,
                           Instant createdAt, Instant updatedAt, long placedPosition) {
}

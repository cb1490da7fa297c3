package dev.facta.examples.oms.app;

import java.math.BigDecimal;
import java.util.List;

/**
 * A new order. {@code orderId} may be null (the service makes one); {@code payment} may be null (the client pays
 * later with {@link OrderManagement#payOrder}).
 */
public record PlaceOrderRequest(String orderId, String customerId, String currency, List<Line> lines, PaymentDetails payment) {
    public record Line(String sku, int quantity, BigDecimal unitPrice) {
    }
}

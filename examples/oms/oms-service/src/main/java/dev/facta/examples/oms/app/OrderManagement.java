package dev.facta.examples.oms.app;

import java.util.List;

/**
 * The order management service's use cases: what the REST API, the gRPC API, the demo's traffic and the load
 * test call, and nothing else. Every mutating call takes a {@link RequestContext} whose idempotency key makes a
 * repeated call return the first call's result without doing anything twice.
 *
 * <p>Mutations return as soon as the command is accepted; the checkout saga then moves the order on
 * (reserve stock, take payment, confirm, or compensate) asynchronously. {@link #getOrder} reads the order summary
 * read model through the query bus, so it may lag the command by a few milliseconds; the returned {@link OrderView}
 * of a mutation is the order's state right after it.
 *
 * <p>Errors: {@link OrderNotFoundException} (an unknown order), {@code dev.facta.InvalidInputException} (malformed
 * request, names the field), {@code dev.facta.aggregate.DomainRuleViolation} (the order's state does not allow it,
 * e.g. refunding an unpaid order).
 */
public interface OrderManagement {

    /** Places an order; its lines' stock is reserved by the saga. With {@link PlaceOrderRequest#payment()} the saga also pays right after reserving. */
    OrderView placeOrder(PlaceOrderRequest request, RequestContext context);

    /** Pays a reserved order; the saga charges the payment and, when it succeeds, confirms the order. */
    OrderView payOrder(String orderId, PaymentDetails payment, RequestContext context);

    /** Cancels an order that is not yet cancelled or refunded: reserved stock is released, a taken payment refunded;
     * a null or blank reason is recorded as {@code customer_request}. */
    OrderView cancelOrder(String orderId, String reason, RequestContext context);

    /** Refunds a confirmed order: the payment is refunded and the order ends {@code REFUNDED};
     * a null or blank reason is recorded as {@code customer_request}. */
    OrderView refundOrder(String orderId, String reason, RequestContext context);

    /** The order's summary (read model, through the query bus). */
    OrderView getOrder(String orderId);

    /** The order's audit trail: every event of the order, oldest first, with what caused it. */
    List<TimelineEntry> timeline(String orderId);

    /** A customer's orders, newest first; {@code after} is the {@link CustomerOrders#next()} of the previous page, or null. */
    CustomerOrders ordersOf(String customerId, int limit, String after);

    /** Stock of one SKU (read from the inventory aggregate). */
    StockLevel stock(String sku);

    /** Adds stock to a SKU (creating it when new). */
    StockLevel restock(String sku, int quantity, RequestContext context);

    /** Whether the service can take traffic: the store answers and the projections and saga are running. */
    HealthReport health();
}

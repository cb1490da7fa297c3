package dev.facta.examples.springorders;

/** What happens to an order; stored as JSON under the type names given in {@link OrdersConfig}. */
public sealed interface OrderEvent {
    String orderId();

    record OrderPlaced(String orderId, String customer, long totalCents) implements OrderEvent {
    }

    record OrderShipped(String orderId) implements OrderEvent {
    }
}

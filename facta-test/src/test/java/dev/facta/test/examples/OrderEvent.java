package dev.facta.test.examples;

/** What happened to an order. Plain records: no framework types in events. */
public sealed interface OrderEvent {
    record OrderPlaced(String orderId, String customer) implements OrderEvent {
    }

    record ItemAdded(String sku, int quantity) implements OrderEvent {
    }

    record ItemRemoved(String sku) implements OrderEvent {
    }

    record OrderShipped(String trackingCode) implements OrderEvent {
    }

    record OrderCancelled(String reason) implements OrderEvent {
    }
}

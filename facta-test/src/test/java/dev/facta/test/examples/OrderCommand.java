package dev.facta.test.examples;

/** What a caller asks of an order (the decider style). */
public sealed interface OrderCommand {
    record PlaceOrder(String orderId, String customer) implements OrderCommand {
    }

    record AddItem(String sku, int quantity) implements OrderCommand {
    }

    record RemoveItem(String sku) implements OrderCommand {
    }

    record ShipOrder(String trackingCode) implements OrderCommand {
    }

    record CancelOrder(String reason) implements OrderCommand {
    }
}

package dev.facta.examples.oms.contracts.inventory;

/** What happened to one SKU's stock; the events of the stream {@code stock-<sku>}. */
public sealed interface InventoryEvent {
    String sku();

    /** Units were added. */
    record StockAdded(String sku, int quantity) implements InventoryEvent {
    }

    /** Units are held for an order. */
    record StockReserved(String orderId, String sku, int quantity) implements InventoryEvent {
    }

    /** An order asked for more than is available; nothing is held. */
    record StockShort(String orderId, String sku, int requested, int available) implements InventoryEvent {
    }

    /** An order's held units are available again. */
    record StockReleased(String orderId, String sku, int quantity, String reason) implements InventoryEvent {
    }

    /** An order's held units are sold. */
    record StockCommitted(String orderId, String sku, int quantity) implements InventoryEvent {
    }

    /** Sold units of a cancelled order are available again. */
    record StockReturned(String orderId, String sku, int quantity) implements InventoryEvent {
    }
}

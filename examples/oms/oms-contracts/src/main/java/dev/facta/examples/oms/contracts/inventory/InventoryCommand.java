package dev.facta.examples.oms.contracts.inventory;

/**
 * What the stock of one SKU ({@code stock-<sku>}) is asked to do. Reservations are keyed by order id:
 * reserving, releasing or committing twice for the same order changes nothing the second time.
 */
public sealed interface InventoryCommand {
    String sku();

    /** Adds units (creating the SKU when new). */
    record Restock(String sku, int quantity) implements InventoryCommand {
    }

    /** Holds units for an order, or records that there are not enough ({@link InventoryEvent.StockShort}). */
    record ReserveStock(String orderId, String sku, int quantity) implements InventoryCommand {
    }

    /** Gives an order's held units back (nothing when the order holds none). */
    record ReleaseStock(String orderId, String sku, String reason) implements InventoryCommand {
    }

    /** The order's held units are sold. */
    record CommitStock(String orderId, String sku) implements InventoryCommand {
    }

    /** Sold units come back (an order cancelled after it was confirmed). */
    record ReturnStock(String orderId, String sku, int quantity) implements InventoryCommand {
    }
}

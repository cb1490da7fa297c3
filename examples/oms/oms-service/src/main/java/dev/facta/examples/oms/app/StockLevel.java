package dev.facta.examples.oms.app;

/** A SKU's stock: {@code available} can be reserved; {@code reserved} is held for orders not yet confirmed or released. */
public record StockLevel(String sku, int available, int reserved, int committed) {
}

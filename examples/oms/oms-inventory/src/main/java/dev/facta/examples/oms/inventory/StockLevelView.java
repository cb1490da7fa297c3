package dev.facta.examples.oms.inventory;

/** A SKU's stock as the inventory sees it; {@code version} is the stream version it was read at (-1: no stream). */
public record StockLevelView(String sku, int available, int reserved, int committed, long version) {
}

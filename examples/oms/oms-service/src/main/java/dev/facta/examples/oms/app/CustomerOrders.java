package dev.facta.examples.oms.app;

import java.util.List;

/** One page of a customer's orders; {@code next} is null on the last page. */
public record CustomerOrders(String customerId, List<OrderView> orders, String next) {
}

package dev.facta.examples.springorders;

/** One order as the read model holds it. */
public record OrderSummary(String orderId, String customer, long totalCents, String status) {
}

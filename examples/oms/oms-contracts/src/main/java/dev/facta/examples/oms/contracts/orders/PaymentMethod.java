package dev.facta.examples.oms.contracts.orders;

/** How an order is paid: the method (e.g. {@code card}) and the card gateway's token. */
public record PaymentMethod(String method, String token) {
}
